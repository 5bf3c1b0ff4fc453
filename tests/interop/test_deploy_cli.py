"""`nimbus deploy` from manifests, and the CLI around it, run as a user runs them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import requests

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET, signed_headers

FIXTURES = Path(__file__).resolve().parent / 'fixtures'


def nimbus(endpoint, *args, stdin=None, **env):
    environment = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                       NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET, **env)
    return subprocess.run([os.environ['NIMBUS_BIN']] + list(args), env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)


def deploy(endpoint, directory, *flags):
    out = nimbus(endpoint, 'deploy', str(directory), '--output', 'json', *flags, SHOP_GREETING='hello')
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def actions(result):
    return {'{0} {1}'.format(s['kind'], s['name']): s['action'] for s in result['plan']}


def test_a_project_deploys_then_redeploys_only_what_changed(client, endpoint, tmp_path):
    project = tmp_path / 'shop'
    shutil.copytree(str(FIXTURES / 'shop'), str(project))
    first = deploy(endpoint, project)
    assert set(actions(first).values()) == {'create'}
    assert actions(first) == {
        'service shop': 'create', 'function shop/api': 'create', 'trigger shop/api/http': 'create',
        'function shop/nightly': 'create', 'trigger shop/nightly/nightly': 'create', 'service shop-web': 'create',
        'function shop-web/web': 'create', 'trigger shop-web/web/http': 'create', 'domain shop.localhost': 'create'}
    assert client.get_function('shop', 'api').data['environmentVariables'] == {'GREETING': 'hello'}
    assert client.get_trigger('shop', 'nightly', 'nightly').data['triggerConfig']['cronExpression'] == '0 0 2 * * *'
    urls = first['urls']
    assert requests.get(urls[0] + 'x', timeout=30).text == 'hello from /x'
    assert requests.get(endpoint + '/2016-08-15/proxy/shop-web/web/', timeout=60).text == 'storefront'
    assert requests.get(endpoint + '/api/y', headers={'Host': 'shop.localhost'}, timeout=30).text == \
        'hello from /api/y'
    # .fcignore kept notes.md out of the package
    code_url = client.get_function_code('shop', 'api').data['url']
    import io
    import zipfile
    names = zipfile.ZipFile(io.BytesIO(requests.get(code_url, timeout=30).content)).namelist()
    assert sorted(names) == ['index.py']

    again = deploy(endpoint, project)
    assert set(actions(again).values()) == {'unchanged'}

    (project / 'api' / 'index.py').write_text((project / 'api' / 'index.py').read_text().replace('from', 'at'))
    changed = deploy(endpoint, project)
    assert [s for s in changed['plan'] if s['action'] != 'unchanged'] == [
        {'action': 'update', 'kind': 'function', 'name': 'shop/api', 'changes': ['code']}]
    assert requests.get(urls[0] + 'z', timeout=30).text == 'hello at /z'


def test_the_plan_reads_as_a_person_expects(endpoint, tmp_path):
    project = tmp_path / 'legacy'
    shutil.copytree(str(FIXTURES / 'funcraft'), str(project))
    out = nimbus(endpoint, 'deploy', str(project), '--dry-run')
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        'Plan for template.yml -> {0}:\n'
        '  create    service  legacy\n'
        '  create    function legacy/hello\n'
        '  create    trigger  legacy/hello/http\n'
        'Dry run: nothing applied.\n'
        'URLs:\n'
        '  {0}/2016-08-15/proxy/legacy/hello/\n').format(endpoint)
    out = nimbus(endpoint, 'deploy', str(project))
    assert out.returncode == 0 and 'Deployed: 3 created.' in out.stdout, out.stdout + out.stderr
    assert requests.get(endpoint + '/2016-08-15/proxy/legacy/hello/', timeout=60).text == 'hello from funcraft'


def test_prune_deletes_functions_the_manifest_dropped(client, endpoint, tmp_path):
    project = tmp_path / 'legacy'
    shutil.copytree(str(FIXTURES / 'funcraft'), str(project))
    deploy(endpoint, project)
    client.create_function('legacy', 'stray', 'python3', 'index.handler', codeDir=str(project / 'hello'))
    result = deploy(endpoint, project, '--prune')
    assert actions(result)['function legacy/stray'] == 'delete'
    assert [f['functionName'] for f in client.list_functions('legacy').data['functions']] == ['hello']


def test_broken_manifests_say_where_and_why(endpoint, tmp_path):
    project = tmp_path / 'broken'
    shutil.copytree(str(FIXTURES / 'shop'), str(project))
    text = (project / 's.yaml').read_text().replace('memorySize: 256', 'memorySise: 256')
    text = text.replace("type: timer", "type: tablestore")
    (project / 's.yaml').write_text(text)
    out = nimbus(endpoint, 'deploy', str(project), SHOP_GREETING='x')
    assert out.returncode == 2
    line = next(l for l in out.stderr.splitlines() if 'memorySise' in l)
    assert line.startswith(str(project / 's.yaml') + ':24:'), line
    assert "did you mean 'memorySize'" in line
    (project / 's.yaml').write_text(text.replace('memorySise', 'memorySize'))
    out = nimbus(endpoint, 'deploy', str(project), '--dry-run')  # SHOP_GREETING unset
    assert out.returncode == 2 and "environment variable 'SHOP_GREETING' is not set" in out.stderr
    out = nimbus(endpoint, 'deploy', str(project), '--dry-run', SHOP_GREETING='x')
    assert out.returncode == 0 and 'tablestore' in out.stderr and 'not supported' in out.stderr
    empty = tmp_path / 'empty'
    empty.mkdir()
    out = nimbus(endpoint, 'deploy', str(empty))
    assert out.returncode == 2 and 'no manifest here' in out.stderr


def test_invoke_prints_the_answer_and_the_log_tail(client, endpoint, service, make_zip):
    client.create_function(service, 'echo', 'python3', 'index.handler', codeZipFile=make_zip({
        'index.py': 'def handler(event, context):\n    print("got", event)\n    return event.upper()\n'}))
    out = nimbus(endpoint, 'invoke', service + '/echo', '--payload', 'hi')
    assert out.returncode == 0 and out.stdout == 'HI\n', out.stdout + out.stderr
    assert "got b'hi'" in out.stderr and 'usd=' in out.stderr
    piped = nimbus(endpoint, 'invoke', service + '/echo', '--file', '-', stdin='from stdin')
    assert piped.stdout == 'FROM STDIN\n'
    queued = nimbus(endpoint, 'invoke', service + '/echo', '--async', '--payload', 'later')
    assert queued.returncode == 0 and queued.stdout.startswith('queued: request ')
    missing = nimbus(endpoint, 'invoke', service + '/nope')
    assert missing.returncode != 0 and 'FunctionNotFound' in missing.stderr
    # The same function by its FC 3.0 name, `service$function`; a bare name is an FC 3.0 function.
    three = nimbus(endpoint, 'invoke', service + '$echo', '--payload', 'three')
    assert three.returncode == 0 and three.stdout == 'THREE\n', three.stdout + three.stderr
    unknown = nimbus(endpoint, 'invoke', 'no_such_function')
    assert unknown.returncode != 0 and 'FunctionNotFound' in unknown.stderr
    helped = nimbus(endpoint, 'deploy', '--help')
    assert helped.returncode == 0 and 'Examples:' in helped.stdout


def test_the_catalogue_deploys_from_its_s_yaml(tmp_path):
    """The demo's own manifest, on a fresh server, as scripts/demo.sh runs it."""
    from interop_util import start_server
    proc, endpoint = start_server(tmp_path / 'data')
    try:
        env = dict(os.environ, NIMBUS_ACCESS_KEY_ID='AK', NIMBUS_ACCESS_KEY_SECRET='SK')
        out = subprocess.run([os.environ['NIMBUS_BIN'], 'deploy', str(FIXTURES.parents[2] / 'examples' / 'catalog'),
                              '--endpoint', endpoint], env=env, capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, out.stdout + out.stderr
        assert 'Deployed: 10 created.' in out.stdout and 'http://catalog.localhost:' in out.stdout
        item = requests.get(endpoint + '/items/3', headers={'Host': 'catalog.localhost'}, timeout=60).json()
        assert item['id'] == 3
        assert requests.get(endpoint + '/2016-08-15/proxy/catalog/stats/', timeout=60).json()['count'] == 15
        page = requests.get(endpoint + '/', headers={'Host': 'catalog.localhost'}, timeout=60)
        assert page.headers['content-type'].startswith('text/html')
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_watch_redeploys_a_saved_file_within_a_second(endpoint, tmp_path):
    import time
    project = tmp_path / 'watched'
    made = nimbus(endpoint, 'init', str(project), '--template', 'python-http', '--service', 'watched')
    assert made.returncode == 0 and 'Next: nimbus deploy' in made.stdout, made.stdout + made.stderr
    environment = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                       NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    watcher = subprocess.Popen([os.environ['NIMBUS_BIN'], 'deploy', str(project), '--watch'], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in watcher.stdout:
            if line.startswith('Watching'):
                break
        url = endpoint + '/2016-08-15/proxy/watched/api/hello'
        assert requests.get(url, timeout=60).json() == {'path': '/hello', 'method': 'GET'}
        source = project / 'api' / 'index.py'
        source.write_text(source.read_text().replace("'method'", "'verb'"))
        saved = time.monotonic()
        while 'verb' not in requests.get(url, timeout=60).text:
            assert time.monotonic() - saved < 5, 'the change was not deployed within 5 s'
            time.sleep(0.05)
        delay = time.monotonic() - saved
        print('watch: saved -> new code answering in {0:.2f} s'.format(delay))
        assert delay < 1.5
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def test_listing_and_removing_and_the_profile(client, endpoint, tmp_path):
    project = tmp_path / 'ticker'
    assert nimbus(endpoint, 'init', str(project), '--template', 'nodejs-event').returncode == 0
    assert nimbus(endpoint, 'deploy', str(project)).returncode == 0
    services = nimbus(endpoint, 'services')
    assert services.returncode == 0 and services.stdout.startswith('SERVICE') and '\nticker ' in services.stdout
    functions = nimbus(endpoint, 'functions', 'ticker')
    assert 'worker' in functions.stdout and 'nodejs20' in functions.stdout
    triggers = nimbus(endpoint, 'triggers', 'ticker/worker')
    assert 'every-minute' in triggers.stdout and '@every 1m' in triggers.stdout
    out = nimbus(endpoint, 'invoke', 'ticker/worker', '--payload', 'x', '--quiet')
    assert json.loads(out.stdout) == {'received': 'x'}
    dry = nimbus(endpoint, 'remove', 'ticker')
    assert 'would delete service ticker' in dry.stdout and '(nothing deleted: add --yes)' in dry.stdout
    done = nimbus(endpoint, 'remove', 'ticker', '--yes')
    assert done.returncode == 0 and 'deleted service ticker' in done.stdout, done.stdout + done.stderr
    assert '\nticker ' not in nimbus(endpoint, 'services').stdout
    # with no endpoint or keys given, the CLI finds the server through the profile `nimbus serve` wrote
    from interop_util import start_server
    profile = tmp_path / 'profile.json'
    proc, other = start_server(tmp_path / 'data', NIMBUS_PROFILE=str(profile))
    try:
        assert json.loads(profile.read_text())['endpoint'] == other
        bare = {k: v for k, v in os.environ.items() if not k.startswith('NIMBUS_') or k == 'NIMBUS_BIN'}
        listed = subprocess.run([os.environ['NIMBUS_BIN'], 'services'], env=dict(bare, NIMBUS_PROFILE=str(profile)),
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and '(no services)' in listed.stdout, listed.stdout + listed.stderr
        assert oct(profile.stat().st_mode & 0o777) == '0o600'
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_serverless_devs_3_project_deploys_through_fc3(client, endpoint, tmp_path):
    """Serverless Devs 3 (`edition: 3.0.0`, components fc3 and fc3-domain): the function is an FC 3.0
    function (its HTTP trigger hands the handler FC 3.0's event), and a second deploy changes nothing."""
    project = tmp_path / 'fc3-app'
    shutil.copytree(str(FIXTURES / 'fc3-app'), str(project))
    first = deploy(endpoint, project)
    assert actions(first) == {'function fc3-hello/fc3-hello': 'create', 'trigger fc3-hello/fc3-hello/httpTrigger':
                              'create', 'domain fc3-app.localhost': 'create'}
    got = requests.get(endpoint + '/2023-03-30/functions/fc3-hello', timeout=10,
                       headers=signed_headers('GET', '/2023-03-30/functions/fc3-hello'))
    assert got.status_code == 200, got.text
    assert (got.json()['functionName'], got.json()['internetAccess']) == ('fc3-hello', False)
    assert requests.get(first['urls'][0] + 'x', timeout=30).text == 'hello from /x'
    assert requests.get(endpoint + '/y', headers={'Host': 'fc3-app.localhost'}, timeout=30).text == 'hello from /y'
    again = deploy(endpoint, project)
    assert set(actions(again).values()) == {'unchanged'}, actions(again)
    (project / 'code' / 'index.py').write_text((project / 'code' / 'index.py').read_text().replace('from', 'at'))
    changed = deploy(endpoint, project)
    assert actions(changed)['function fc3-hello/fc3-hello'] == 'update'
    assert requests.get(first['urls'][0] + 'z', timeout=30).text == 'hello at /z'
    client.delete_custom_domain('fc3-app.localhost')
    client.delete_trigger('fc3-hello', 'fc3-hello', 'httpTrigger')
    client.delete_function('fc3-hello', 'fc3-hello')
    client.delete_service('fc3-hello')



def test_fc3_templates_deploy_and_answer(client, endpoint, tmp_path):
    """`nimbus init` offers FC 3.0 templates (Serverless Devs 3, component fc3): each deploys as an FC 3.0
    function whose handler reads FC 3.0's HTTP event."""
    for template in ('fc3-python-http', 'fc3-nodejs-http'):
        project = tmp_path / template
        made = nimbus(endpoint, 'init', str(project), '--template', template)
        assert made.returncode == 0, made.stdout + made.stderr
        result = deploy(endpoint, project)
        assert actions(result) == {'function {0}/{0}'.format(template): 'create',
                                   'trigger {0}/{0}/httpTrigger'.format(template): 'create'}
        answer = requests.get(result['urls'][0] + 'items?id=3', timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {'path': '/items', 'method': 'GET', 'query': {'id': '3'}}, template
        client.delete_trigger(template, template, 'httpTrigger')
        client.delete_function(template, template)
        client.delete_service(template)


ACTIONS_SYAML = '''edition: 3.0.0
name: actions-app
resources:
  api:
    component: fc3
    actions:
      pre-deploy:
        # The shape FC's build images take; the PATH there does not exist here, the rest of the line runs.
        - run: export PATH=/usr/local/envs/py310/bin:$PATH && python3 -c "import os; open('generated.py', 'w').write('SECRET_SEEN = %r' % os.environ.get('NIMBUS_ACCESS_KEY_SECRET'))"
          path: ./code
        - run: {0}
      post-deploy:
        - run: echo deployed > {1}
    props:
      functionName: {2}
      runtime: python3
      code: ./code
      handler: index.handler
'''


def test_pre_deploy_actions_run_before_packaging_and_post_deploy_after(client, endpoint, tmp_path):
    """Serverless Devs' `actions` as real projects write them: pre-deploy commands make part of the code
    (here a generated module) before it is packaged, post-deploy runs after the apply, a failing action stops
    the deploy with its output, and `--skip-actions` runs none. Nimbus's key pair is not passed to them."""
    name = 'actions-' + os.urandom(4).hex()
    project = tmp_path / 'project'
    (project / 'code').mkdir(parents=True)
    (project / 'code' / 'index.py').write_text('import generated\n\ndef handler(event, context):\n'
                                               '    return repr(generated.SECRET_SEEN)\n')
    marker = tmp_path / 'post-deploy.txt'
    (project / 's.yaml').write_text(ACTIONS_SYAML.format('true', marker, name))
    out = nimbus(endpoint, 'deploy', str(project))
    assert out.returncode == 0, out.stdout + out.stderr
    assert 'pre-deploy (api): export PATH=' in out.stdout
    assert client.invoke_function(name, name, payload=b'').data == b'None', 'the action saw the secret key'
    assert marker.read_text() == 'deployed\n'

    (project / 's.yaml').write_text(ACTIONS_SYAML.format('echo broken build >&2; exit 3', marker, name))
    marker.unlink()
    failed = nimbus(endpoint, 'deploy', str(project))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'pre-deploy action of api failed' in failed.stderr and 'broken build' in failed.stderr
    assert not marker.exists(), 'post-deploy ran after a failed pre-deploy'
    skipped = nimbus(endpoint, 'deploy', str(project), '--skip-actions')
    assert skipped.returncode == 0 and 'pre-deploy' not in skipped.stdout, skipped.stdout + skipped.stderr
    assert not marker.exists()
    client.delete_function(name, name)
    client.delete_service(name)


def test_an_auto_domain_gets_a_host_name_that_routes_here(client, endpoint, tmp_path):
    """`domainName: auto` (FC generates a domain in the cloud): Nimbus names it `<function>.localhost`,
    prints its URL, and the host routes to the function."""
    name = 'auto-' + os.urandom(4).hex()
    project = tmp_path / 'project'
    (project / 'code').mkdir(parents=True)
    (project / 'code' / 'index.py').write_text(
        'import json\n\ndef handler(event, context):\n'
        '    return {"statusCode": 200, "body": "auto " + json.loads(event)["rawPath"]}\n')
    (project / 's.yaml').write_text(
        'edition: 3.0.0\nresources:\n  api:\n    component: fc3\n    props:\n'
        '      functionName: {0}\n      runtime: python3\n      code: ./code\n      handler: index.handler\n'
        '      customDomain: {{domainName: auto, protocol: HTTP, route: {{path: /*}}}}\n'.format(name))
    result = deploy(endpoint, project)
    host = name + '.localhost'
    assert actions(result)['domain ' + host] == 'create'
    assert any(url.startswith('http://{0}:'.format(host)) for url in result['urls']), result['urls']
    assert requests.get(endpoint + '/hi', headers={'Host': host}, timeout=30).text == 'auto /hi'
    client.delete_custom_domain(host)
    client.delete_function(name, name)
    client.delete_service(name)
