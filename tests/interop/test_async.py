"""Durable async invocation: 202 once stored, retries with backoff, destinations, stateful invocations, stop."""

import json
import time

import requests

from interop_util import (ACCOUNT_ID, API, REGION, check_error_response, invocation_path, raises_fc,
                          raw_request, signed_headers, unique, wait_for_invocation)

ECHO = 'def handler(event, context):\n    return b"got " + event\n'
FAILING = ('def handler(event, context):\n'
           '    raise Exception("failed on retry %d" % context.retry_count)\n')
SLOW = 'import time\ndef handler(event, context):\n    time.sleep(3)\n    return event\n'
ASYNC = {'x-fc-invocation-type': 'Async'}


def arn(service, function):
    return 'acs:fc:{0}:{1}:services/{2}.LATEST/functions/{3}'.format(REGION, ACCOUNT_ID, service, function)


def make(client, service, make_zip, source, **kwargs):
    name = unique('fn')
    client.create_function(service, name, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': source}),
                           **kwargs)
    return name


def test_async_invoke_answers_202_and_the_event_runs(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, ECHO)
    resp = client.invoke_function(service, fn, payload=b'hello',
                                  headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': 'first_call'}))
    assert resp.data == b''
    assert resp.headers['x-fc-stateful-async-invocation-id'] == 'first_call'
    done = wait_for_invocation(endpoint, service, fn, 'first_call')
    assert done['status'] == 'Succeeded'
    assert done['returnPayload'] == 'got hello'
    assert done['invocationPayload'] == 'hello'
    assert done['requestId'] == resp.headers['x-fc-request-id']
    assert done['alreadyRetriedTimes'] == 0, done
    assert [e['status'] for e in done['events']] == ['Enqueued', 'Running', 'Succeeded'], done
    assert done['startedTime'] <= done['endTime']


def test_failures_are_retried_then_routed_to_the_failure_destination(client, endpoint, service, make_zip):
    failing = make(client, service, make_zip, FAILING)
    sink = make(client, service, make_zip, ECHO)
    client.put_function_async_invoke_config(service, 'LATEST', failing, {
        'maxAsyncRetryAttempts': 2, 'statefulInvocation': True,
        'destinationConfig': {'onFailure': {'destination': arn(service, sink)}}})
    client.invoke_function(service, failing, payload=b'{"order": 7}',
                           headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': 'order7'}))
    failed = wait_for_invocation(endpoint, service, failing, 'order7', statuses=('Failed',))
    assert failed['alreadyRetriedTimes'] == 2
    # the function saw FC's retry counter on each attempt
    assert 'failed on retry 2' in failed['invocationErrorMessage']
    retries = [e for e in failed['events'] if e['status'] == 'Retrying']
    assert len(retries) == 2
    # the record reached the sink function, which ran it
    deadline = time.monotonic() + 20
    while True:
        listed = raw_request(endpoint, 'GET', invocation_path(service, sink)).json()['invocations']
        if listed and listed[0]['status'] == 'Succeeded':
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.1)
    record = json.loads(wait_for_invocation(endpoint, service, sink, listed[0]['invocationId'])['invocationPayload'])
    assert record['requestContext']['condition'] == 'UnhandledInvocationError'
    assert record['requestContext']['approximateInvokeCount'] == 3
    assert record['requestContext']['functionArn'] == arn(service, failing)
    assert record['requestContext']['requestId'] == failed['requestId']
    assert record['requestPayload'] == '{"order": 7}'
    assert record['responseContext']['functionError'] == 'UnhandledInvocationError'
    assert wait_for_invocation(endpoint, service, failing, 'order7')['destinationStatus'] == 'Succeeded'


def test_success_goes_to_the_success_destination(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, ECHO)
    sink = make(client, service, make_zip, ECHO)
    client.put_function_async_invoke_config(service, 'LATEST', fn, {
        'statefulInvocation': True, 'destinationConfig': {'onSuccess': {'destination': arn(service, sink)}}})
    client.invoke_function(service, fn, payload=b'x', headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': 'ok1'}))
    assert wait_for_invocation(endpoint, service, fn, 'ok1')['status'] == 'Succeeded'
    deadline = time.monotonic() + 20
    while wait_for_invocation(endpoint, service, fn, 'ok1')['destinationStatus'] != 'Succeeded':
        assert time.monotonic() < deadline
        time.sleep(0.1)
    listed = raw_request(endpoint, 'GET', invocation_path(service, sink) + '?includePayload=true').json()
    record = json.loads(listed['invocations'][0]['invocationPayload'])
    assert record['requestContext']['condition'] == 'Success'
    assert record['responsePayload'] == 'got x'


def test_a_queued_invocation_can_be_stopped(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, SLOW, timeout=10)
    client.put_on_demand_config(service, "LATEST", fn, 1)  # one instance: the second call must queue
    for name in ('running', 'queued'):
        client.invoke_function(service, fn, payload=name.encode(), headers=dict(ASYNC, **{
            'x-fc-stateful-async-invocation-id': name, 'x-fc-stateful-async-invocation-enable': 'true'}))
    wait_for_invocation(endpoint, service, fn, 'running', statuses=('Running',))
    resp = raw_request(endpoint, 'PUT', invocation_path(service, fn, 'queued'))
    assert resp.status_code == 200, resp.text
    assert wait_for_invocation(endpoint, service, fn, 'running', timeout=30)['status'] == 'Succeeded'
    time.sleep(1)
    stopped = wait_for_invocation(endpoint, service, fn, 'queued')
    assert stopped['status'] == 'Stopped'
    assert stopped['returnPayload'] == ''  # it never ran: its call left the instance queue
    assert stopped['instanceId'] == ''
    listed = raw_request(endpoint, 'GET', invocation_path(service, fn) + '?status=Stopped').json()['invocations']
    assert [i['invocationId'] for i in listed] == ['queued']


def test_listing_is_filtered_and_paged(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, ECHO)
    client.put_function_async_invoke_config(service, 'LATEST', fn, {'statefulInvocation': True})
    for i in range(5):
        client.invoke_function(service, fn, payload=b'p', headers=dict(ASYNC, **{
            'x-fc-stateful-async-invocation-id': 'batch_{0}'.format(i)}))
    client.invoke_function(service, fn, payload=b'p', headers=dict(ASYNC, **{
        'x-fc-stateful-async-invocation-id': 'other'}))
    for i in range(5):
        wait_for_invocation(endpoint, service, fn, 'batch_{0}'.format(i))
    first = raw_request(endpoint, 'GET', invocation_path(service, fn) + '?limit=3&invocationIdPrefix=batch_').json()
    assert [i['invocationId'] for i in first['invocations']] == ['batch_0', 'batch_1', 'batch_2']
    second = raw_request(endpoint, 'GET', invocation_path(service, fn) + '?limit=3&invocationIdPrefix=batch_'
                         '&nextToken=' + first['nextToken']).json()
    assert [i['invocationId'] for i in second['invocations']] == ['batch_3', 'batch_4']
    assert 'nextToken' not in second
    newest = raw_request(endpoint, 'GET', invocation_path(service, fn) + '?limit=1&sortOrderByTime=desc').json()
    assert newest['invocations'][0]['invocationId'] == 'other'


def test_bad_async_input_is_refused_with_fc_errors(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, ECHO)
    with raises_fc(400, 'EntityTooLarge'):
        client.invoke_function(service, fn, payload=b'x' * (128 * 1024 + 1), headers=ASYNC)
    with raises_fc(400, 'InvalidArgument'):
        client.invoke_function(service, fn, payload=b'x',
                               headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': '9starts-with-digit'}))
    client.invoke_function(service, fn, headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': 'twice'}))
    with raises_fc(409, 'StatefulAsyncInvocationAlreadyExists'):
        client.invoke_function(service, fn, headers=dict(ASYNC, **{'x-fc-stateful-async-invocation-id': 'twice'}))
    with raises_fc(404, 'FunctionNotFound'):
        client.invoke_function(service, 'missing', headers=ASYNC)
    # A destination naming a function that does not exist yet is accepted (FC checks at delivery):
    # test_fc2_fidelity.py. One that is not a function is refused.
    with raises_fc(400, 'InvalidArgument'):
        client.put_function_async_invoke_config(service, 'LATEST', fn, {
            'destinationConfig': {'onFailure': {'destination': 'acs:mns:local:1:/queues/q/messages'}}})
    with raises_fc(404, 'AsyncConfigNotExists'):
        client.get_function_async_invoke_config(service, 'LATEST', fn)  # nothing was stored by the refusals
    check_error_response(raw_request(endpoint, 'GET', invocation_path(service, fn, 'never')), 404,
                         'StatefulAsyncInvocationNotFound')
    check_error_response(raw_request(endpoint, 'GET', invocation_path(service, fn) + '?status=Bogus'), 400,
                         'InvalidArgument')


def test_async_metrics_are_exported_for_prometheus(client, endpoint, service, make_zip):
    fn = make(client, service, make_zip, ECHO)
    for i in range(3):
        client.invoke_function(service, fn, payload=b'm', headers=dict(ASYNC, **{
            'x-fc-stateful-async-invocation-id': 'm{0}'.format(i)}))
    for i in range(3):
        wait_for_invocation(endpoint, service, fn, 'm{0}'.format(i))
    resp = requests.get(endpoint + '/metrics', timeout=10)
    assert resp.status_code == 200
    assert resp.headers['content-type'].startswith('text/plain')
    text = resp.text
    line = 'nimbus_async_events_total{{service="{0}",function="{1}",status="Succeeded",source="invoke"}} 3'.format(
        service, fn)
    assert line in text, text
    for name in ('nimbus_async_backlog ', 'nimbus_async_oldest_event_age_seconds ', 'nimbus_async_enqueued_total ',
                 'nimbus_async_queue_wait_seconds_bucket'):
        assert name in text, name
