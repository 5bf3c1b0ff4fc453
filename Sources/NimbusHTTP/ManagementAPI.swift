import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// The FC 2.0 management API: routes that parse HTTP, call the ``ControlPlane`` and render FC's JSON, mounted
/// under every ``APIVersion`` prefix (one table; the few differences of 2021-04-06 are decided per route).
package struct ManagementAPI: Sendable {
    package static let prefix = APIVersion.fc20160815.prefix

    let control: ControlPlane
    let codeLinks: CodeLinkSigner
    /// Largest request body accepted (a 100 MB zip is about 134 MB once base64-encoded in JSON).
    let maximumBodyBytes: Int
    /// Provisioned instances running for a function (`current` in provision configs).
    let provisionedCount: @Sendable (QualifiedFunction) async -> Int
    /// Told (service, function) after a write that changes how the function's LATEST runs: its record or
    /// its triggers. The server resolves it again then, so that its next call finds it resolved.
    let functionChanged: @Sendable (String, String) -> Void

    package init(
        control: ControlPlane, codeLinks: CodeLinkSigner, maximumBodyBytes: Int = RequestBody.largestAccepted,
        functionChanged: @escaping @Sendable (String, String) -> Void = { _, _ in },
        provisionedCount: @escaping @Sendable (QualifiedFunction) async -> Int = { _ in 0 }
    ) {
        self.control = control
        self.codeLinks = codeLinks
        self.maximumBodyBytes = maximumBodyBytes
        self.functionChanged = functionChanged
        self.provisionedCount = provisionedCount
    }

    package func register(on router: Router<NimbusRequestContext>) {
        for version in APIVersion.fc2 {
            let api = router.group(RouterPath(version.prefix))
            registerServices(on: api)
            registerFunctions(on: api)
            registerTriggers(on: api, version: version)
            registerTags(on: api, version: version)
            registerConfigs(on: api)
            registerReleases(on: api)
            registerDomains(on: api)
            registerLayers(on: api)
            registerNotYetServed(on: api, version: version)
        }
        codeLinks.register(on: router)
    }

    /// The request body as canonical JSON fields; an empty body is an empty object.
    func fields(_ request: Request) async throws -> [String: JSONValue] {
        let body = try await self.body(request)
        return try FCJSON.object(from: body.readableBytesView)
    }

    func body(_ request: Request) async throws -> ByteBuffer {
        try await RequestBody.collect(
            request, limit: maximumBodyBytes, tooLarge: "the request body exceeds the maximum allowed size")
    }

    static func ifMatch(_ request: Request) -> String? { request.headers[.ifMatch] }

    /// Query parameters, percent-decoded; the last value of a repeated key wins.
    static func query(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for pair in FormQuery.pairs(request.uri.query ?? "") { result[pair.key] = pair.value }
        return result
    }

    static func parameter(_ context: NimbusRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name) else {
            throw NimbusError.invalidArgument("missing path parameter '\(name)'")
        }
        return value.removingPercentEncoding ?? value
    }

    /// Splits a `{service}.{qualifier}` path segment; the qualifier defaults to LATEST.
    static func qualified(_ segment: String) -> (service: String, qualifier: String) {
        let address = FunctionAddress(segment: segment, function: "")
        return (address.service, address.qualifier)
    }

    /// The `:service` parameter and its qualifier: from the segment on 2016-08-15, and on 2021-04-06 from
    /// `?qualifier=` when given (fc3-api spec 7).
    static func qualified(_ request: Request, _ context: NimbusRequestContext) throws -> (
        service: String, qualifier: String
    ) {
        let (service, qualifier) = qualified(try parameter(context, "service"))
        guard APIVersion(path: request.uri.path) == .fc20210406, let asked = query(request)["qualifier"], !asked.isEmpty
        else { return (service, qualifier) }
        return (service, asked)
    }

    /// The endpoint clients used, for links back to this server.
    static func baseURL(_ request: Request) -> String {
        "http://\(request.head.authority ?? "127.0.0.1")"
    }
}
