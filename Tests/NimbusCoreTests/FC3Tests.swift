import Foundation
import NIOCore
import NimbusCore
import Testing

/// FC 3.0's view of the 2.0 model: names, renamed fields, and HTTP triggers as events.
@Suite struct FC3Tests {
    @Test func namesMapToAServiceAndAFunction() {
        #expect(FC3Name("orders") == FC3Name(service: "orders", function: "orders"))
        #expect(FC3Name("shop$orders") == FC3Name(service: "shop", function: "orders"))
        var service = ServiceRecord(
            meta: ResourceMeta(id: "1", name: "orders", createdTime: Date(), lastModifiedTime: Date(), etag: "e"),
            spec: ServiceSpec())
        #expect(
            FC3Name.name(service: service, function: "orders") == "orders$orders", "a 2.0 service is not a 3.0 function"
        )
        service.spec.holdsFC3Function = true
        #expect(FC3Name.name(service: service, function: "orders") == "orders")
    }

    /// Every field 3.0 moved or renamed comes back as it was sent (fc3-api spec 4.2).
    @Test func renamedFieldsRoundTrip() throws {
        let sent: [String: JSONValue] = [
            "functionName": .string("f"), "role": .string("acs:ram::1:role/r"), "internetAccess": .bool(false),
            "logConfig": .object(["project": .string("p"), "logstore": .string("s")]),
            "instanceLifecycleConfig": .object([
                "initializer": .object(["handler": .string("index.init"), "timeout": .number(7)]),
                "preStop": .object(["handler": .string("index.stop"), "timeout": .number(2)]),
            ]),
            "customRuntimeConfig": .object([
                "command": .array([.string("python3")]), "args": .array([.string("app.py")]), "port": .number(8080),
            ]),
        ]
        let (service, function) = FC3Fields.toCore(sent)
        #expect(service["role"] == .string("acs:ram::1:role/r") && service["internetAccess"] == .bool(false))
        #expect(function["role"] == nil && function["caPort"] == .number(8080))
        #expect(function["initializer"] == .string("index.init") && function["initializationTimeout"] == .number(7))
        let back = FC3Fields.fromCore(service: service, function: function)
        #expect(back["instanceLifecycleConfig"]?["initializer"]?["handler"] == .string("index.init"))
        #expect(back["instanceLifecycleConfig"]?["preStop"]?["timeout"] == .number(2))
        #expect(back["customRuntimeConfig"]?["port"] == .number(8080))
        #expect(back["logConfig"]?["project"] == .string("p") && back["internetAccess"] == .bool(false))
        #expect(back["caPort"] == nil && back["initializer"] == nil)
    }

    /// 3.0's fields with no 2.0 counterpart are kept and come back as sent, not dropped.
    @Test func threeZeroOnlyFieldsAreKeptAndEchoed() {
        let (service, function) = FC3Fields.toCore([
            "idleTimeout": .number(60), "sessionAffinity": .string("HEADER_FIELD"), "runtime": .string("python3"),
        ])
        #expect(
            function["fc3Fields"] == .object(["idleTimeout": .number(60), "sessionAffinity": .string("HEADER_FIELD")]))
        #expect(function["idleTimeout"] == nil && function["runtime"] == .string("python3"))
        let back = FC3Fields.fromCore(service: service, function: function)
        #expect(back["idleTimeout"] == .number(60) && back["sessionAffinity"] == .string("HEADER_FIELD"))
        #expect(back["fc3Fields"] == nil)
    }

    @Test func containerFieldsUseThreeZeroNames() {
        let (_, function) = FC3Fields.toCore([
            "customContainerConfig": .object([
                "image": .string("img"), "entrypoint": .array([.string("/app")]), "command": .array([.string("-v")]),
                "port": .number(9000), "acrInstanceId": .string("cri-1"),
            ])
        ])
        let container = function["customContainerConfig"]
        #expect(container?["command"] == .array([.string("/app")]) && container?["args"] == .array([.string("-v")]))
        #expect(container?["instanceID"] == .string("cri-1") && function["caPort"] == .number(9000))
        let back = FC3Fields.fromCore(service: [:], function: function)["customContainerConfig"]
        #expect(back?["entrypoint"] == .array([.string("/app")]) && back?["command"] == .array([.string("-v")]))
        #expect(back?["port"] == .number(9000) && back?["acrInstanceId"] == .string("cri-1"))
    }

    static func call(body: String = "", contentType: String? = "text/plain") -> HTTPCall {
        var headers = [("user-agent", "curl/8"), ("x-multi", "a"), ("x-multi", "b"), ("x-forwarded-proto", "https")]
        if let contentType { headers.append(("content-type", contentType)) }
        return HTTPCall(
            method: "POST", requestURI: "/2016-08-15/proxy/f.LATEST/f/a%20b?p=v1&p=v2&q=x+y", functionPath: "/a b",
            headers: headers, body: ByteBuffer(string: body), clientIP: "10.0.0.9", host: "api.example.com:8080")
    }

    static func decode(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
    }

    @Test func anHTTPRequestIsTheEventFC3Gives() throws {
        let now = Date(timeIntervalSince1970: 1_693_896_071.895)
        let event = try Self.decode(
            FC3HTTPEvent.event(Self.call(body: "hello"), requestId: "r-1", accountId: "123", now: now))
        #expect(event["version"] == .string("v1") && event["rawPath"] == .string("/a%20b"))
        #expect(event["headers"]?["User-Agent"] == .string("curl/8") && event["headers"]?["X-Multi"] == .string("a,b"))
        #expect(event["headers"]?["X-Forwarded-Proto"] == .string("http"), "Nimbus's, not the client's")
        #expect(event["queryParameters"] == .object(["p": .string("v1,v2"), "q": .string("x y")]))
        #expect(event["body"] == .string("hello") && event["isBase64Encoded"] == .bool(false))
        let context = event["requestContext"]
        #expect(context?["accountId"] == .string("123") && context?["domainName"] == .string("api.example.com"))
        #expect(context?["http"]?["path"] == .string("/a b") && context?["http"]?["sourceIp"] == .string("10.0.0.9"))
        #expect(context?["timeEpoch"] == .string("1693896071895") && context?["requestId"] == .string("r-1"))
    }

    /// A custom runtime of a 3.0 function sees the path its own URL would carry, not Nimbus's proxy prefix.
    @Test func aCustomRuntimeSeesItsOwnPath() {
        let request = FC3HTTPEvent.functionRequest(Self.call())
        #expect(request.requestURI == "/a%20b?p=v1&p=v2&q=x+y")
        #expect(request.functionPath == "/a b" && request.method == "POST")
    }

    @Test func aBinaryBodyArrivesInBase64() throws {
        let event = try Self.decode(
            FC3HTTPEvent.event(
                Self.call(body: "png", contentType: "image/png"), requestId: "r", accountId: "1", now: Date()))
        #expect(event["body"] == .string(Data("png".utf8).base64EncodedString()))
        #expect(event["isBase64Encoded"] == .bool(true))
    }

    static func reply(_ body: String) -> InstanceReply {
        InstanceReply(
            status: 200, headers: [("content-type", "application/octet-stream")], body: ByteBuffer(string: body),
            errorType: nil, instanceId: "i-1", duration: 0.01, maxMemoryMB: 20)
    }

    @Test func aStructuredAnswerBecomesTheResponse() {
        let answer = FC3HTTPEvent.response(
            Self.reply(#"{"statusCode":201,"headers":{"x-a":"1","x-n":2},"isBase64Encoded":true,"body":"aGk="}"#))
        #expect(answer.status == 201)
        #expect(answer.headers.map { "\($0.0)=\($0.1)" } == ["x-a=1", "x-n=2"])
        #expect(String(buffer: answer.body) == "hi")
    }

    @Test func anyOtherAnswerIsA200WithItsBytes() {
        for body in [#"{"message":"no status"}"#, "plain text", #"{"statusCode":9000}"#] {
            let answer = FC3HTTPEvent.response(Self.reply(body))
            #expect(answer.status == 200 && String(buffer: answer.body) == body, "\(body)")
        }
    }
}
