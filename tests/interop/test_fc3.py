"""FC 3.0 (API 2023-03-30) through the official `alibabacloud_fc20230330` SDK: functions at the top level,
invoke, versions, weighted aliases, async tasks, configs, tags, refusals, and one model seen through both APIs
(a 3.0 function is service F holding function F in 2.0; a 2.0 function is `service$function` in 3.0). The HTTP
side (triggers, events, domains, CORS) is in test_fc3_http.py."""

import base64
import collections
import json
import time

import pytest
import requests
from alibabacloud_fc20230330 import models as fc3

from fc3_util import SOURCE, _client, _code, _create, _create_from, _invoke, _refused
from interop_util import lane_calls, unique


@pytest.fixture(scope='module')
def fc(endpoint):
    return _client(endpoint)


def test_a_users_order_of_calls(fc, make_zip):
    name = unique('fn')
    made = _create(fc, make_zip, name, description='first', memory_size=256, timeout=10,
                   environment_variables={'STAGE': 'test'}, internet_access=False,
                   log_config=fc3.LogConfig(project='p', logstore='s'), idle_timeout=120,
                   session_affinity='HEADER_FIELD')
    assert (made.function_name, made.runtime, made.memory_size, made.timeout) == (name, 'python3', 256, 10)
    assert made.function_arn.endswith(':functions/' + name)
    assert (made.state, made.last_update_status) == ('Active', 'Successful')
    # What FC 2.0 kept on the service is the function's in 3.0.
    assert made.internet_access is False and made.log_config.project == 'p'
    assert made.environment_variables == {'STAGE': 'test'}
    # 3.0's own fields (no 2.0 counterpart) come back as sent.
    assert (made.idle_timeout, made.session_affinity) == (120, 'HEADER_FIELD')

    listed = fc.list_functions(fc3.ListFunctionsRequest(prefix=name, limit=10)).body
    assert [f.function_name for f in listed.functions] == [name]
    updated = fc.update_function(name, fc3.UpdateFunctionRequest(body=fc3.UpdateFunctionInput(
        description='second', memory_size=512))).body
    assert (updated.description, updated.memory_size, updated.timeout) == ('second', 512, 10)
    got = fc.get_function(name, fc3.GetFunctionRequest()).body
    assert (got.description, got.memory_size, got.internet_access) == ('second', 512, False)
    assert (got.idle_timeout, got.session_affinity) == (120, 'HEADER_FIELD'), 'a partial update kept them'
    assert 'fc3Fields' not in json.dumps(fc.get_function(name, fc3.GetFunctionRequest()).body.to_map())

    code = fc.get_function_code(name, fc3.GetFunctionCodeRequest()).body
    assert code.checksum == got.code_checksum and requests.get(code.url, timeout=10).status_code == 200

    response, body = _invoke(fc, name, b'hello', x_fc_log_type='Tail')
    assert response.status_code == 200 and json.loads(body) == {'echo': 'hello', 'v': 'one'}
    assert response.headers['x-fc-request-id']
    assert 'FC Invoke End RequestId' in base64.b64decode(response.headers['x-fc-log-result']).decode()

    version = fc.publish_function_version(name, fc3.PublishFunctionVersionRequest(
        body=fc3.PublishVersionInput(description='v1'))).body
    assert (version.version_id, version.description) == ('1', 'v1')
    alias = fc.create_alias(name, fc3.CreateAliasRequest(body=fc3.CreateAliasInput(
        alias_name='prod', version_id='1'))).body
    assert (alias.alias_name, alias.version_id) == ('prod', '1')
    assert json.loads(_invoke(fc, name, b'x', qualifier='prod')[1])['v'] == 'one'
    assert fc.get_function(name, fc3.GetFunctionRequest(qualifier='1')).body.description == 'second'
    assert [a.alias_name for a in fc.list_aliases(name, fc3.ListAliasesRequest()).body.aliases] == ['prod']
    assert [v.version_id for v in fc.list_function_versions(name, fc3.ListFunctionVersionsRequest()).body.versions] \
        == ['1']

    trigger = fc.create_trigger(name, fc3.CreateTriggerRequest(body=fc3.CreateTriggerInput(
        trigger_name='web', trigger_type='http', qualifier='prod',
        trigger_config=json.dumps({'authType': 'anonymous', 'methods': ['GET', 'POST']})))).body
    assert json.loads(trigger.trigger_config)['authType'] == 'anonymous'
    assert trigger.qualifier == 'prod'
    url = trigger.http_trigger.url_internet
    answer = requests.get(url + 'path?x=1', timeout=10)
    assert answer.status_code == 200, answer.text
    assert [t.trigger_name for t in fc.list_triggers(name, fc3.ListTriggersRequest()).body.triggers] == ['web']
    assert fc.get_trigger(name, 'web').body.http_trigger.url_internet == url

    fc.delete_trigger(name, 'web')
    fc.delete_alias(name, 'prod')
    fc.delete_function_version(name, '1')
    fc.delete_function(name)
    _refused(lambda: fc.get_function(name, fc3.GetFunctionRequest()), 404, 'FunctionNotFound')
    assert fc.list_functions(fc3.ListFunctionsRequest(prefix=name)).body.functions in (None, [])


def test_a_weighted_alias_splits_calls(fc, make_zip):
    name = unique('fn')
    _create(fc, make_zip, name, tag='one')
    fc.publish_function_version(name, fc3.PublishFunctionVersionRequest(body=fc3.PublishVersionInput()))
    fc.update_function(name, fc3.UpdateFunctionRequest(body=fc3.UpdateFunctionInput(code=_code(make_zip, 'two'))))
    fc.publish_function_version(name, fc3.PublishFunctionVersionRequest(body=fc3.PublishVersionInput()))
    fc.create_alias(name, fc3.CreateAliasRequest(body=fc3.CreateAliasInput(
        alias_name='canary', version_id='1', additional_version_weight={'2': 0.3})))
    seen = collections.Counter(json.loads(_invoke(fc, name, qualifier='canary')[1])['v'] for _ in range(200))
    assert set(seen) == {'one', 'two'}
    assert 30 <= seen['two'] <= 90, seen  # 60 expected; bounds are about 5 standard deviations
    fc.delete_alias(name, 'canary')
    fc.delete_function(name)


def test_an_async_call_is_an_async_task(fc, make_zip):
    name = unique('fn')
    _create(fc, make_zip, name)
    response, body = _invoke(fc, name, b'later', x_fc_invocation_type='Async', x_fc_async_task_id='task_1')
    assert response.status_code == 202 and body == b''
    assert response.headers['x-fc-async-task-id'] == 'task_1'
    deadline = time.time() + 30
    while True:
        task = fc.get_async_task(name, 'task_1', fc3.GetAsyncTaskRequest()).body
        if task.status == 'Succeeded' or time.time() > deadline:
            break
        time.sleep(0.2)
    assert (task.task_id, task.status, task.request_id) == ('task_1', 'Succeeded', response.headers['x-fc-request-id'])
    assert task.task_payload == 'later' and json.loads(task.return_payload)['echo'] == 'later'
    assert task.function_arn.endswith(':functions/' + name)
    listed = fc.list_async_tasks(name, fc3.ListAsyncTasksRequest(prefix='task_', include_payload=True)).body
    assert [t.task_id for t in listed.tasks] == ['task_1']
    _refused(lambda: fc.get_async_task(name, 'nosuch', fc3.GetAsyncTaskRequest()), 404, 'AsyncTaskNotFound')
    fc.delete_function(name)


def test_one_model_two_views(fc, make_zip, client, service):
    # Made through 3.0: in 2.0, service F holding function F, invocable there.
    name = unique('fn')
    _create(fc, make_zip, name)
    assert json.loads(client.invoke_function(name, name, payload=b'from 2.0').data)['echo'] == 'from 2.0'
    assert client.get_service(name).data['serviceName'] == name
    assert 'fc3Fields' not in client.get_function(name, name).data and 'holdsFC3Function' not in \
        client.get_service(name).data
    # Made through 2.0: `service$function` in 3.0, listed as v2, invocable and readable there.
    client.create_function(service, 'legacy', 'python3', 'index.handler',
                           codeZipFile=make_zip({'index.py': SOURCE % 'two-oh'}))
    legacy = service + '$legacy'
    assert fc.get_function(legacy, fc3.GetFunctionRequest()).body.function_name == legacy
    v2 = [f.function_name for f in fc.list_functions(fc3.ListFunctionsRequest(prefix=service, fc_version='v2'))
          .body.functions]
    assert v2 == [legacy]
    v3 = fc.list_functions(fc3.ListFunctionsRequest(prefix=name, fc_version='v3')).body.functions
    assert [f.function_name for f in v3] == [name]
    assert json.loads(_invoke(fc, legacy, b'from 3.0')[1]) == {'echo': 'from 3.0', 'v': 'two-oh'}
    fc.delete_function(legacy)
    assert client.list_functions(service).data['functions'] == []
    fc.delete_function(name)


def test_refusals(fc, make_zip, endpoint):
    name = unique('fn')
    _refused(lambda: fc.get_function(name, fc3.GetFunctionRequest()), 404, 'FunctionNotFound')
    _refused(lambda: _invoke(fc, name), 404, 'FunctionNotFound')
    _create(fc, make_zip, name)
    _refused(lambda: _create(fc, make_zip, name), 409, 'FunctionAlreadyExists')
    _refused(lambda: _invoke(fc, name, qualifier='nosuch'), 404, 'AliasNotFound')
    _refused(lambda: _client(endpoint, secret='wrong').get_function(name, fc3.GetFunctionRequest()),
             403, 'SignatureNotMatch')
    _refused(lambda: _create(fc, make_zip, 'bad name'), 400, 'InvalidArgument')
    fc.delete_function(name)


SLEEPY = 'import time\n\ndef handler(event, context):\n    time.sleep(0.5)\n    return b"done"\n'


def test_a_reserved_concurrency_caps_the_function(fc, make_zip):
    name = unique('fn')
    _create_from(fc, make_zip, name, {'index.py': SLEEPY})
    put = fc.put_concurrency_config(name, fc3.PutConcurrencyConfigRequest(
        body=fc3.PutConcurrencyInput(reserved_concurrency=1))).body
    assert put.reserved_concurrency == 1 and put.function_arn.endswith(':functions/' + name)
    assert fc.get_concurrency_config(name).body.reserved_concurrency == 1
    listed = fc.list_concurrency_configs(fc3.ListConcurrencyConfigsRequest(function_name=name)).body.configs
    assert [c.reserved_concurrency for c in listed] == [1]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: _invoke(fc, name), range(3)))
    assert [body for _, body in answers] == [b'done'] * 3
    assert len({response.headers['x-fc-instance-id'] for response, _ in answers}) == 1, 'more than one instance ran'
    fc.delete_concurrency_config(name)
    _refused(lambda: fc.get_concurrency_config(name), 404, 'ConcurrencyConfigNotFound')
    fc.delete_function(name)


def test_async_invoke_and_provision_configs(fc, make_zip):
    name, sink = unique('fn'), unique('sink')
    _create(fc, make_zip, name)
    _create(fc, make_zip, sink)
    sink_arn = fc.get_function(sink, fc3.GetFunctionRequest()).body.function_arn
    put = fc.put_async_invoke_config(name, fc3.PutAsyncInvokeConfigRequest(body=fc3.PutAsyncInvokeConfigInput(
        async_task=True, max_async_retry_attempts=0,
        destination_config=fc3.DestinationConfig(on_success=fc3.Destination(destination=sink_arn))))).body
    assert (put.async_task, put.max_async_retry_attempts) == (True, 0)
    assert put.destination_config.on_success.destination == sink_arn
    got = fc.get_async_invoke_config(name, fc3.GetAsyncInvokeConfigRequest()).body
    assert got.async_task is True and got.function_arn.endswith(':functions/' + name)
    # asyncTask from the config: an async call without an id is a task under its request id.
    response, _ = _invoke(fc, name, b'tracked', x_fc_invocation_type='Async')
    task_id = response.headers['x-fc-async-task-id']
    deadline = time.time() + 30
    while fc.get_async_task(name, task_id, fc3.GetAsyncTaskRequest()).body.status != 'Succeeded':
        assert time.time() < deadline, 'the task never succeeded'
        time.sleep(0.2)
    deadline = time.time() + 20
    while fc.get_async_task(name, task_id, fc3.GetAsyncTaskRequest()).body.destination_status != 'Succeeded':
        assert time.time() < deadline, 'the success destination never got the record'
        time.sleep(0.1)

    provisioned = fc.put_provision_config(name, fc3.PutProvisionConfigRequest(
        qualifier='LATEST', body=fc3.PutProvisionConfigInput(target=1))).body
    assert provisioned.target == 1
    deadline = time.time() + 30
    while fc.get_provision_config(name, fc3.GetProvisionConfigRequest(qualifier='LATEST')).body.current != 1:
        assert time.time() < deadline, 'the provisioned instance never started'
        time.sleep(0.2)
    assert any(i.status for i in fc.list_instances(name, fc3.ListInstancesRequest()).body.instances)
    fc.put_provision_config(name, fc3.PutProvisionConfigRequest(
        qualifier='LATEST', body=fc3.PutProvisionConfigInput(target=0)))
    fc.delete_async_invoke_config(name, fc3.DeleteAsyncInvokeConfigRequest())
    _refused(lambda: fc.get_async_invoke_config(name, fc3.GetAsyncInvokeConfigRequest()), 404, 'AsyncConfigNotExists')
    fc.delete_function(name)
    fc.delete_function(sink)


def test_tags_v2_and_tags_on_create(fc, make_zip):
    name = unique('fn')
    made = _create(fc, make_zip, name, tags=[fc3.Tag(key='team', value='web')])
    assert [(t.key, t.value) for t in made.tags] == [('team', 'web')]
    fc.tag_resources(fc3.TagResourcesRequest(body=fc3.TagResourcesInput(
        resource_type='function', resource_id=[name], tag=[fc3.Tag(key='stage', value='prod')])))
    listed = fc.list_tag_resources(fc3.ListTagResourcesRequest(resource_type='function', resource_id=[name])).body
    assert sorted((t.tag_key, t.tag_value) for t in listed.tag_resources) == [('stage', 'prod'), ('team', 'web')]
    other = unique('fn')
    _create(fc, make_zip, other, tags=[fc3.Tag(key='team', value='data')])
    both = [name, other]
    filtered = fc.list_tag_resources(fc3.ListTagResourcesRequest(
        resource_type='function', resource_id=both, tag=[fc3.Tag(key='team', value='data')])).body.tag_resources
    assert {t.resource_id for t in filtered} == {other}
    paged, token = [], None
    while True:  # one row a page, NextToken to the end
        page = fc.list_tag_resources(fc3.ListTagResourcesRequest(
            resource_type='function', resource_id=both, limit=1, next_token=token)).body
        paged += [(t.resource_id, t.tag_key) for t in page.tag_resources]
        token = page.next_token
        if not token:
            break
    assert sorted(paged) == sorted([(name, 'stage'), (name, 'team'), (other, 'team')])
    fc.delete_function(other)
    fc.untag_resources(fc3.UntagResourcesRequest(resource_type='function', resource_id=[name], tag_key=['team']))
    assert [(t.key, t.value) for t in fc.get_function(name, fc3.GetFunctionRequest()).body.tags] == [('stage', 'prod')]
    fc.delete_function(name)


def test_warm_invocations_take_the_warm_lane(fc, make_zip, endpoint):
    """A 3.0 invocation is parsed by the same route parser as a 2.0 one: warm calls, qualifier included,
    are answered on the warm lane, and answer the same as through the router."""
    name = unique('fn')
    _create(fc, make_zip, name)
    fc.publish_function_version(name, fc3.PublishFunctionVersionRequest(body=fc3.PublishVersionInput()))
    fc.create_alias(name, fc3.CreateAliasRequest(body=fc3.CreateAliasInput(alias_name='live', version_id='1')))
    for qualifier in (None, 'live'):
        assert json.loads(_invoke(fc, name, b'cold', qualifier=qualifier)[1])['echo'] == 'cold'
        before = lane_calls(endpoint)
        for index in range(5):
            response, body = _invoke(fc, name, 'warm{0}'.format(index).encode(), qualifier=qualifier)
            assert json.loads(body) == {'echo': 'warm{0}'.format(index), 'v': 'one'}
            assert response.headers['x-fc-invocation-service-version'] == ('1' if qualifier else 'LATEST')
        deadline = time.time() + 10
        while lane_calls(endpoint) < before + 1 and time.time() < deadline:
            time.sleep(0.1)
        assert lane_calls(endpoint) > before, 'no warm 3.0 call was answered by the warm lane'
    # ListInstances by qualifier: an alias's instances are its version's.
    by = {q: fc.list_instances(name, fc3.ListInstancesRequest(qualifier=q)).body.instances for q in ('LATEST', 'live')}
    assert by['LATEST'] and {i.version_id for i in by['LATEST']} == {'LATEST'}
    assert by['live'] and {(i.version_id, i.qualifier) for i in by['live']} == {('1', 'live')}
    one = by['live'][0].instance_id
    picked = fc.list_instances(name, fc3.ListInstancesRequest(instance_ids=[one])).body.instances
    assert [i.instance_id for i in picked] == [one]
    fc.delete_alias(name, 'live')
    fc.delete_function(name)


def test_list_functions_filters(fc, make_zip):
    """ListFunctions' filters, applied before paging: runtime, functionName and description (substrings),
    tags (every one must match)."""
    base = unique('lf')
    made = [_create(fc, make_zip, base + '_a', description='the orders api', tags=[fc3.Tag(key='team', value='web')]),
            _create(fc, make_zip, base + '_b', description='a batch job', tags=[fc3.Tag(key='team', value='data')])]
    fc.update_function(base + '_b', fc3.UpdateFunctionRequest(body=fc3.UpdateFunctionInput(runtime='python3.10')))

    def names(**filters):
        listed = fc.list_functions(fc3.ListFunctionsRequest(prefix=base, **filters)).body.functions or []
        return [f.function_name for f in listed]
    assert names() == [base + '_a', base + '_b']
    assert names(runtime='python3.10') == [base + '_b']
    assert names(description='orders') == [base + '_a']
    assert names(function_name='_b') == [base + '_b']
    assert names(tags=[fc3.Tag(key='team', value='web')]) == [base + '_a']
    assert names(limit=1, tags=[fc3.Tag(key='team', value='data')]) == [base + '_b'], 'filtered before the page'
    for view in made:
        fc.delete_function(view.function_name)
