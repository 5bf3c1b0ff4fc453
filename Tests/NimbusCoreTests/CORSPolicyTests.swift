import NimbusCore
import Testing

/// An HTTP trigger's `corsConfig`, as a browser meets it.
@Suite struct CORSPolicyTests {
    static func policy(_ cors: [String: JSONValue]) throws -> CORSPolicy {
        try #require(CORSPolicy(triggerConfig: .object(["corsConfig": .object(cors)])))
    }

    static let shop: [String: JSONValue] = [
        "allowOrigins": .array([.string("https://shop.example.com")]),
        "allowMethods": .array([.string("GET"), .string("POST")]),
        "allowHeaders": .array([.string("content-type"), .string("x-token")]),
        "exposeHeaders": .array([.string("x-request-id")]), "allowCredentials": .bool(true), "maxAge": .number(600),
    ]

    @Test func anAllowedOriginIsNamedWithWhatItMaySee() throws {
        let headers = try Self.policy(Self.shop).responseHeaders(origin: "https://shop.example.com")
        #expect(
            headers.map { "\($0.0): \($0.1)" } == [
                "access-control-allow-origin: https://shop.example.com", "vary: Origin",
                "access-control-allow-credentials: true", "access-control-expose-headers: x-request-id",
            ])
        #expect(try Self.policy(Self.shop).responseHeaders(origin: "https://evil.example.com").isEmpty)
        #expect(try Self.policy(Self.shop).responseHeaders(origin: nil).isEmpty)
    }

    @Test func aPreflightGetsTheMethodsHeadersAndMaxAge() throws {
        let policy = try Self.policy(Self.shop)
        let headers = Dictionary(
            uniqueKeysWithValues: policy.preflightHeaders(
                origin: "https://shop.example.com", requestMethod: "POST", requestHeaders: "content-type"))
        #expect(headers["access-control-allow-methods"] == "GET,POST")
        #expect(headers["access-control-allow-headers"] == "content-type,x-token")
        #expect(headers["access-control-max-age"] == "600")
        #expect(
            policy.preflightHeaders(origin: "https://shop.example.com", requestMethod: "DELETE", requestHeaders: nil)
                .isEmpty)
        #expect(CORSPolicy.isPreflight(method: "OPTIONS", origin: "o", requestMethod: "POST"))
        #expect(!CORSPolicy.isPreflight(method: "OPTIONS", origin: "o", requestMethod: nil))
    }

    /// `*` answers `*`, unless credentials are allowed: a browser refuses `*` with credentials.
    @Test func aWildcardOrigin() throws {
        let open = try Self.policy(["allowOrigins": .array([.string("*")])])
        #expect(
            open.responseHeaders(origin: "https://any.example").map { "\($0.0): \($0.1)" } == [
                "access-control-allow-origin: *"
            ])
        let withCredentials = try Self.policy(["allowOrigins": .array([.string("*")]), "allowCredentials": .bool(true)])
        #expect(withCredentials.responseHeaders(origin: "https://any.example").first?.1 == "https://any.example")
        #expect(CORSPolicy(triggerConfig: .object(["authType": .string("anonymous")])) == nil)
    }
}
