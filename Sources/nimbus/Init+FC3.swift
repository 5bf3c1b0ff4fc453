/// FC 3.0 templates, in the shape `s init` writes today (Serverless Devs 3, component `fc3`).
extension ProjectTemplates {
    static let fc3: [String: [(String, String, Bool)]] = [
        "fc3-python-http": [
            (
                "s.yaml", manifest(runtime: "python3.10"), false
            ),
            (
                "code/index.py",
                """
                import json


                def handler(event, context):
                    \"\"\"FC 3.0's HTTP event in, {statusCode, headers, body} out.\"\"\"
                    request = json.loads(event)
                    body = {'path': request['rawPath'], 'method': request['requestContext']['http']['method'],
                            'query': request.get('queryParameters', {})}
                    return {'statusCode': 200, 'headers': {'Content-Type': 'application/json'}, 'body': json.dumps(body)}

                """, false
            ),
        ],
        "fc3-nodejs-http": [
            (
                "s.yaml", manifest(runtime: "nodejs20"), false
            ),
            (
                "code/index.js",
                """
                // FC 3.0's HTTP event in, {statusCode, headers, body} out.
                exports.handler = async (event) => {
                  const request = JSON.parse(event.toString());
                  const body = {path: request.rawPath, method: request.requestContext.http.method,
                                query: request.queryParameters || {}};
                  return {statusCode: 200, headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)};
                };

                """, false
            ),
        ],
    ]

    /// The `s.yaml` of an FC 3.0 HTTP API: one function with an anonymous HTTP trigger.
    static func manifest(runtime: String) -> String {
        """
        edition: 3.0.0
        name: {{service}}
        resources:
          api:
            component: fc3
            props:
              region: local
              functionName: {{service}}
              runtime: \(runtime)
              code: ./code
              handler: index.handler
              memorySize: 128
              timeout: 10
              triggers:
                - triggerName: httpTrigger
                  triggerType: http
                  triggerConfig:
                    authType: anonymous
                    methods: [GET, POST]

        """
    }
}
