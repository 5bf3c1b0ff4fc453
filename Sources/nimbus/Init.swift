import ArgumentParser
import Foundation

/// `nimbus init DIR --template NAME`: a new project (an `s.yaml` and code) ready for `nimbus deploy`.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new project from a built-in template.",
        discussion: """
            Templates (FC 3.0, Serverless Devs 3): fc3-python-http, fc3-nodejs-http (an HTTP API whose handler
            gets FC 3.0's HTTP event). Templates (FC 2.0, Serverless Devs 1): python-http (a Python HTTP API,
            WSGI), nodejs-event (a Node.js event function with a timer), custom-web (any web app as a custom
            runtime).

            Examples:
              nimbus init hello --template fc3-python-http && nimbus deploy hello
              nimbus init hello --template python-http && nimbus deploy hello
              nimbus init ticker --template nodejs-event
            """)

    @Argument(help: "The folder to create (must not exist or be empty).")
    var directory: String

    @Option(help: "fc3-python-http, fc3-nodejs-http, python-http, nodejs-event or custom-web.")
    var template = "python-http"

    @Option(help: "Service name (default: the folder's name).")
    var service: String?

    func run() throws {
        guard let files = ProjectTemplates.all[template] ?? ProjectTemplates.fc3[template] else {
            throw ValidationError(
                "unknown template '\(template)'; choose one of "
                    + (ProjectTemplates.fc3.keys.sorted() + ProjectTemplates.all.keys.sorted()).joined(separator: ", ")
            )
        }
        let root = URL(fileURLWithPath: directory)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard existing.isEmpty else { throw ValidationError("\(directory) exists and is not empty") }
        let name = service ?? Self.serviceName(root.lastPathComponent)
        for (path, content, executable) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.replacingOccurrences(of: "{{service}}", with: name).utf8).write(to: url)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        }
        print("Created \(directory) from template \(template) (service \(name)):")
        for (path, _, _) in files { print("  \(directory)/\(path)") }
        print("Next: nimbus deploy \(directory)")
    }

    /// Folder names become valid service names: letters, digits, '-' and '_', starting with a letter.
    static func serviceName(_ folder: String) -> String {
        let cleaned = String(folder.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return cleaned.first?.isLetter == true ? cleaned : "app-" + cleaned
    }
}

/// The files of each template: path, content (`{{service}}` is the service name), executable.
enum ProjectTemplates {
    static let all: [String: [(String, String, Bool)]] = [
        "python-http": [
            (
                "s.yaml",
                """
                edition: 1.0.0
                name: {{service}}
                services:
                  api:
                    component: fc
                    props:
                      region: local
                      service:
                        name: {{service}}
                      function:
                        name: api
                        runtime: python3
                        codeUri: ./api
                        handler: index.handler
                        memorySize: 128
                        timeout: 10
                      triggers:
                        - name: http
                          type: http
                          config:
                            authType: anonymous
                            methods: [GET, POST]

                """, false
            ),
            (
                "api/index.py",
                """
                import json


                def handler(environ, start_response):
                    \"\"\"A WSGI app: one HTTP endpoint per function.\"\"\"
                    body = json.dumps({'path': environ['PATH_INFO'], 'method': environ['REQUEST_METHOD']}).encode()
                    start_response('200 OK', [('Content-Type', 'application/json')])
                    return [body]

                """, false
            ),
        ],
        "nodejs-event": [
            (
                "s.yaml",
                """
                edition: 1.0.0
                name: {{service}}
                services:
                  worker:
                    component: fc
                    props:
                      region: local
                      service:
                        name: {{service}}
                      function:
                        name: worker
                        runtime: nodejs20
                        codeUri: ./worker
                        handler: index.handler
                        memorySize: 128
                      triggers:
                        - name: every-minute
                          type: timer
                          config:
                            cronExpression: '@every 1m'
                            enable: true
                            payload: tick

                """, false
            ),
            (
                "worker/index.js",
                """
                // An event function: invoke it, or let the timer call it every minute.
                exports.handler = async (event, context) => {
                  const input = event.length ? event.toString() : '{}';
                  console.log('event', input, 'request', context.requestId);
                  return JSON.stringify({ received: input });
                };

                """, false
            ),
        ],
        "custom-web": [
            (
                "s.yaml",
                """
                edition: 1.0.0
                name: {{service}}
                services:
                  web:
                    component: fc
                    props:
                      region: local
                      service:
                        name: {{service}}
                      function:
                        name: web
                        runtime: custom
                        codeUri: ./web
                        handler: index.handler
                        memorySize: 128
                      triggers:
                        - name: http
                          type: http
                          config:
                            authType: anonymous
                            methods: [GET]

                """, false
            ),
            (
                "web/bootstrap",
                """
                #!/bin/sh
                # Any program that serves HTTP on $FC_SERVER_PORT is a custom runtime.
                exec python3 app.py

                """, true
            ),
            (
                "web/app.py",
                """
                import os
                from http.server import BaseHTTPRequestHandler, HTTPServer


                class Handler(BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = ('hello from ' + self.path).encode()
                        self.send_response(200)
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)


                HTTPServer(('0.0.0.0', int(os.environ.get('FC_SERVER_PORT', '9000'))), Handler).serve_forever()

                """, false
            ),
        ],
    ]
}
