"""Helpers of the FC 3.0 interop tests (test_fc3*.py): the official SDK's client and the calls they share."""

import base64

import pytest
from alibabacloud_fc20230330 import models as fc3
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import models as open_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException
from darabonba.runtime import RuntimeOptions

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET

SOURCE = 'import json\n\ndef handler(event, context):\n    return json.dumps({"echo": event.decode(), "v": %r})\n'


def _client(endpoint, secret=ACCESS_KEY_SECRET):
    return Client(open_models.Config(access_key_id=ACCESS_KEY_ID, access_key_secret=secret,
                                     endpoint=endpoint.split('://', 1)[1], protocol='http', read_timeout=60000))


def _code(make_zip, tag='one'):
    with open(make_zip({'index.py': SOURCE % tag}), 'rb') as archive:
        return fc3.InputCodeLocation(zip_file=base64.b64encode(archive.read()).decode())


def _create(fc, make_zip, name, tag='one', **fields):
    return fc.create_function(fc3.CreateFunctionRequest(body=fc3.CreateFunctionInput(
        function_name=name, runtime='python3', handler='index.handler', code=_code(make_zip, tag), **fields))).body


def _create_from(fc, make_zip, name, files, runtime='python3', **fields):
    """A function made from `files` (path -> source), handler `index.handler`."""
    with open(make_zip(files), 'rb') as archive:
        code = fc3.InputCodeLocation(zip_file=base64.b64encode(archive.read()).decode())
    return fc.create_function(fc3.CreateFunctionRequest(body=fc3.CreateFunctionInput(
        function_name=name, runtime=runtime, handler='index.handler', code=code, **fields))).body


def _invoke(fc, name, payload=b'hi', qualifier=None, **headers):
    response = fc.invoke_function_with_options(
        name, fc3.InvokeFunctionRequest(body=payload, qualifier=qualifier),
        fc3.InvokeFunctionHeaders(**headers), _runtime())
    return response, response.body.read() if response.body is not None else b''


def _runtime():
    return RuntimeOptions()


def _refused(call, status, code):
    with pytest.raises((ClientException, ServerException)) as info:
        call()
    assert (info.value.status_code, info.value.code) == (status, code), str(info.value)
    return info.value


EVENT_PY = '''import json

def handler(event, context):
    e = json.loads(event)
    return {'statusCode': 201, 'headers': {'x-raw-path': e['rawPath'], 'x-method': e['requestContext']['http']['method']},
            'body': json.dumps({'body': e['body'], 'query': e['queryParameters'], 'agent': e['headers'].get('User-Agent'),
                                'b64': e['isBase64Encoded']})}
'''
EVENT_JS = '''exports.handler = (event, context, callback) => {
  const e = JSON.parse(event.toString());
  callback(null, {statusCode: 201, headers: {'x-raw-path': e.rawPath, 'x-method': e.requestContext.http.method},
    body: JSON.stringify({body: e.body, query: e.queryParameters, agent: e.headers['User-Agent'],
                          b64: e.isBase64Encoded})});
};
'''
