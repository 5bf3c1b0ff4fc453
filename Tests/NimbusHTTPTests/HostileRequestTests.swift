import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import NimbusTesting
import PropertyBased
import Testing

/// Every management operation's valid body with one field replaced by a hostile value, sent signed to the
/// real server: the answer is a value or an FC 4xx, never a 5xx or a crash, and a refused write leaves every
/// resource as it was.
@Suite struct HostileRequestTests {
    struct Operation: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var query: String? = nil
        var body: [String: JSONValue]
    }

    static let code = LiveAPITests.storedZip(name: "index.py", content: "def handler(e, c):\n    return e\n")

    static let operations: [Operation] = [
        Operation(
            method: .post, path: "/2016-08-15/services",
            body: [
                "serviceName": .string("fresh"), "description": .string("d"), "internetAccess": .bool(true),
                "nasConfig": .object(["userId": .number(1), "groupId": .number(1), "mountPoints": .array([])]),
            ]),
        Operation(method: .put, path: "/2016-08-15/services/s", body: ["description": .string("x")]),
        Operation(
            method: .post, path: "/2016-08-15/services/s/functions",
            body: [
                "functionName": .string("g"), "runtime": .string("python3"), "handler": .string("index.handler"),
                "memorySize": .number(128), "timeout": .number(3), "instanceConcurrency": .number(1),
                "caPort": .number(9000), "cpu": .number(0.25), "diskSize": .number(512),
                "initializationTimeout": .number(3), "code": .object(["zipFile": .string(code.base64EncodedString())]),
                "instanceLifecycleConfig": .object([
                    "preStop": .object(["handler": .string("index.stop"), "timeout": .number(3)])
                ]),
            ]),
        Operation(
            method: .put, path: "/2016-08-15/services/s/functions/f",
            body: ["memorySize": .number(256), "timeout": .number(10), "environmentVariables": .object([:])]),
        Operation(
            method: .post, path: "/2016-08-15/services/s/functions/f/triggers",
            body: [
                "triggerName": .string("t"), "triggerType": .string("timer"),
                "triggerConfig": .object([
                    "cronExpression": .string("@every 1m"), "enable": .bool(false), "payload": .string("p"),
                ]),
            ]),
        Operation(
            method: .post, path: "/2016-08-15/services/s/aliases",
            body: ["aliasName": .string("a"), "versionId": .string("1"), "additionalVersionWeight": .object([:])]),
        Operation(
            method: .put, path: "/2016-08-15/services/s/aliases/live",
            body: ["versionId": .string("1"), "additionalVersionWeight": .object(["1": .number(0)])]),
        Operation(method: .post, path: "/2016-08-15/services/s/versions", body: ["description": .string("v")]),
        Operation(
            method: .put, path: "/2016-08-15/services/s.live/functions/f/provision-config",
            body: ["target": .number(0)]),
        Operation(
            method: .put, path: "/2016-08-15/services/s/functions/f/on-demand-config",
            body: ["maximumInstanceCount": .number(10)]),
        Operation(
            method: .put, path: "/2016-08-15/services/s/functions/f/async-invoke-config",
            body: [
                "maxAsyncRetryAttempts": .number(1), "maxAsyncEventAgeInSeconds": .number(100),
                "statefulInvocation": .bool(false),
            ]),
        Operation(
            method: .post, path: "/2016-08-15/custom-domains",
            body: [
                "domainName": .string("api.example.com"), "protocol": .string("HTTP"),
                "routeConfig": .object([
                    "routes": .array([
                        .object([
                            "path": .string("/*"), "serviceName": .string("s"), "functionName": .string("f"),
                            "qualifier": .string("LATEST"),
                        ])
                    ])
                ]),
            ]),
        Operation(
            method: .post, path: "/2016-08-15/tag",
            body: ["resourceArn": .string("acs:fc:local:1234567890:services/s"), "tags": .object(["k": .string("v")])]),
    ]

    /// What a user can read back; a refused write must leave all of it as it was.
    static let snapshotPaths = [
        "/2016-08-15/services", "/2016-08-15/services/s/functions", "/2016-08-15/services/s/functions/f/triggers",
        "/2016-08-15/services/s/aliases", "/2016-08-15/services/s/versions", "/2016-08-15/custom-domains",
        "/2016-08-15/provision-configs", "/2016-08-15/on-demand-configs",
        "/2016-08-15/services/s/functions/f/async-invoke-configs", "/2016-08-15/services/s/functions/f",
    ]

    static func snapshot(_ client: any TestClientProtocol) async throws -> [String] {
        var bodies: [String] = []
        for path in snapshotPaths {
            let response = try await client.signed(.get, path)
            var body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
            // Provisioned counts and the like move by themselves; the resources are what must not.
            if case .object(var fields) = body {
                fields["current"] = nil
                body = .object(fields)
            }
            bodies.append(String(decoding: try FCJSON.makeEncoder().encode(body), as: UTF8.self))
        }
        return bodies
    }

    static func setUp(_ client: any TestClientProtocol) async throws {
        let function =
            #"{"functionName":"f","runtime":"python3","handler":"index.handler","code":{"zipFile":""#
            + code.base64EncodedString() + #""}}"#
        for (path, body) in [
            ("/2016-08-15/services", #"{"serviceName":"s"}"#), ("/2016-08-15/services/s/functions", function),
            ("/2016-08-15/services/s/versions", "{}"),
            ("/2016-08-15/services/s/aliases", #"{"aliasName":"live","versionId":"1"}"#),
        ] {
            #expect(try await client.signed(.post, path, json: body).status == .ok)
        }
    }

    /// Replaces the value at a path of field names inside `body`.
    static func replacing(_ path: ArraySlice<String>, in body: JSONValue, with value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        guard case .object(var fields) = body else { return body }
        fields[key] = replacing(path.dropFirst(), in: fields[key] ?? .null, with: value)
        return .object(fields)
    }

    /// Every path of field names in a body, nested objects included.
    static func fieldPaths(_ value: JSONValue, prefix: [String] = []) -> [[String]] {
        guard case .object(let fields) = value else { return [] }
        return fields.sorted { $0.key < $1.key }.flatMap { key, child in
            [prefix + [key]] + fieldPaths(child, prefix: prefix + [key])
        }
    }

    @Test func hostileFieldsGetFCErrorsAndChangeNothing() async throws {
        let hostile = Gen.element(of: HostileValues.all).compactMap { $0 }
        try await TestServer.withLiveServer { client in
            try await Self.setUp(client)
            var before = try await Self.snapshot(client)
            await propertyCheck(
                count: 150, input: Gen.int(in: 0...(Self.operations.count - 1)), Gen.int(in: 0...1000), hostile
            ) { index, pick, value in
                let operation = Self.operations[index]
                let paths = Self.fieldPaths(.object(operation.body))
                let path = paths[pick % paths.count]
                let body = Self.replacing(path[...], in: .object(operation.body), with: value)
                let json = String(decoding: try FCJSON.makeEncoder().encode(body), as: UTF8.self)
                let response = try await client.signed(operation.method, operation.path, json: json)
                let label = "\(operation.method) \(operation.path) \(json.prefix(300))"
                #expect(response.status.code < 500, "\(label) -> \(response.status)")
                let after = try await Self.snapshot(client)
                if response.status.code >= 400 {
                    #expect(try LiveAPITests.errorCode(response) != nil, "\(label)")
                    #expect(after == before, "a refused \(label) changed what the API shows")
                }
                before = after
            }
        }
    }
}

extension HostileRequestTests {
    static let segments = [
        "s", "f", "s.live", "s.999999999999999999999", "s.-1", "%00", "%ZZ", "..", "%2e%2e", "\u{e9}", "a%2Fb",
        String(repeating: "n", count: 300), "9223372036854775808", "LATEST", "",
    ]
    static let queries = [
        "limit=9223372036854775808", "limit=-1", "limit=1e308", "nextToken=%00", "startKey=..", "qualifier=%ZZ",
        "since=1e300", "until=inf", "step=nan", "step=1e300", "since=-1", "startedTimeBegin=1e300",
        "startedTimeEnd=-1e308", "status=x", "since=99999999999999999999d", "window=1e9h", "",
    ]
    static let templates = [
        "/2016-08-15/services/{}", "/2016-08-15/services/{}/functions/{}", "/2016-08-15/services/{}/versions/{}",
        "/2016-08-15/services/{}/aliases/{}", "/2016-08-15/services/{}/functions/{}/triggers/{}",
        "/2016-08-15/services/{}/functions/{}/logs", "/2016-08-15/services/{}/functions/{}/invocation-records",
        "/2016-08-15/services/{}/functions/{}/stateful-async-invocations", "/2016-08-15/usage",
        "/2016-08-15/services/{}/functions/{}/code", "/2016-08-15/custom-domains/{}", "/2016-08-15/provision-configs",
        "/2016-08-15/services", "/2016-08-15/services/{}/functions/{}/on-demand-config", "/2016-08-15/tag",
    ]

    @Test func hostilePathsAndQueriesGetFCErrors() async throws {
        try await TestServer.withLiveServer { client in
            try await Self.setUp(client)
            await propertyCheck(
                count: 200, input: Gen.element(of: Self.templates).compactMap { $0 },
                Gen.element(of: Self.segments).compactMap { $0 }.array(of: 3),
                Gen.element(of: Self.queries).compactMap { $0 }
            ) { template, names, query in
                var path = template
                for name in names {
                    guard let hole = path.range(of: "{}") else { break }
                    path.replaceSubrange(
                        hole, with: name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)
                }
                let response = try await client.signed(.get, path, query: query.isEmpty ? nil : query)
                #expect(response.status.code < 500, "GET \(path)?\(query) -> \(response.status)")
                if response.status.code >= 400 { #expect(try LiveAPITests.errorCode(response) != nil, "GET \(path)") }
            }
        }
    }
}

/// The values buggy scripts send in place of a valid one.
enum HostileValues {
    static let all: [JSONValue] = [
        .number(9_223_372_036_854_775_808.0), .number(-9_223_372_036_854_775_809.0), .number(1e308),
        .number(-1e308), .number(1e-320), .number(-1), .number(1.5), .number(2_147_483_648),
        .number(9_007_199_254_740_993), .string(""), .string("9223372036854775808"), .bool(true), .null,
        .array([.number(1e308)]), .object(["a": .number(-1e308)]), .string(String(repeating: "x", count: 70_000)),
    ]
}
