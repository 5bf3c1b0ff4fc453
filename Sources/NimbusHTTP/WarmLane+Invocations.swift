import Foundation
import HTTPTypes
import NimbusCore

extension WarmLane {
    static let servicesPrefix = "/2016-08-15/services/"

    /// A sync invocation (`POST .../services/{service}/functions/{function}/invocations`) the lane may
    /// answer as ``InvocationAPI`` would. Async calls, log tails and a signature that does not verify
    /// go to the router, which answers them (the last with FC's 403).
    func invocationPlan(_ request: HTTPRequest, path: Substring, uri: String) -> Plan? {
        guard request.method == .post,
            request.headerFields[InvocationAPI.invocationType]?.lowercased() != "async",
            request.headerFields[InvocationAPI.logType]?.lowercased() != "tail",
            request.headerFields[ProxyAPI.invocationTarget] == nil
        else { return nil }
        let parts = path.dropFirst(Self.servicesPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty, parts[1] == "functions", !parts[2].isEmpty,
            parts[3] == "invocations"
        else { return nil }
        // The cache lookup first: a call the lane cannot take is not verified twice (here and by the router).
        guard let (resolution, draw) = cachedResolution(segment: String(parts[0]), function: String(parts[2]))
        else { return nil }
        let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
        let signed = FCSignature.Request(
            method: request.method.rawValue, rawPath: String(path), rawQuery: query,
            headers: request.headerFields.map { ($0.name.canonicalName, $0.value) })
        guard (try? authenticator.verify(signed, now: Date())) != nil else { return nil }
        return Plan(resolution: resolution, requestURI: uri, call: .event, draw: draw)
    }
}
