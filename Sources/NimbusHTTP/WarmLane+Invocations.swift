import Foundation
import HTTPTypes
import NimbusCore

extension WarmLane {
    /// A sync invocation (`POST .../services/{service}/functions/{function}/invocations`) the lane may
    /// answer as ``InvocationAPI`` would. Async calls, log tails and a signature that does not verify
    /// go to the router, which answers them (the last with FC's 403). Either scheme is verified by the
    /// server's one ``RequestAuthenticator``; an ACS3 body's hash is checked in ``start`` once it is in.
    func invocationPlan(_ request: HTTPRequest, address: FunctionAddress, path: String, uri: String) -> Plan? {
        guard !InvocationAPI.isAsync(request.headerFields[InvocationAPI.invocationType]),
            request.headerFields[InvocationAPI.logType]?.lowercased() != "tail",
            // The cache lookup first: a call the lane cannot take is not verified twice (here and by the router).
            let resolution = cachedResolution(address)
        else { return nil }
        let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
        let signed = SignatureMiddleware.signedRequest(request, path: path, query: query)
        let check: PayloadCheck
        do {
            check = try authenticator.verify(signed, now: Date())
        } catch {
            return nil  // the router verifies it again and answers with the error (no nonce was recorded)
        }
        return Plan(resolution: resolution, requestURI: uri, call: .event, payloadCheck: check)
    }
}
