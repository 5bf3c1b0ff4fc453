import NIOCore
import NIOHTTP1
import NimbusCore

/// The requests Nimbus sends a program (fc-runtimes spec 4.2), built one way for both call paths.
enum InstanceRequest {
    /// A call. FC's contract headers come first (`contractHeaders`, with the call's request id). An
    /// HTTP call adds the client's own headers, less hop-by-hop ones and any the contract sets, and
    /// FC's `x-fc-http-params` envelope. `http.headers` names are lowercase.
    static func call(_ kind: InstanceCall.Kind, contractHeaders: HTTPHeaders, port: Int)
        -> (head: HTTPRequestHead, body: ByteBuffer, isHTTP: Bool)
    {
        var headers = contractHeaders
        headers.add(name: "host", value: "127.0.0.1:\(port)")
        switch kind {
        case .event(let payload):
            headers.add(name: "content-type", value: "application/octet-stream")
            return (HTTPRequestHead(version: .http1_1, method: .POST, uri: "/invoke", headers: headers), payload, false)
        case .http(let http):
            for (name, value) in http.headers where !hopByHop.contains(name) && !contractHeaderNames.contains(name) {
                headers.add(name: name, value: value)
            }
            // Set by Nimbus, never taken from the client: how the caller reached it (apps behind a
            // proxy read it: Werkzeug's ProxyFix, Django's SECURE_PROXY_SSL_HEADER).
            headers.add(name: "x-forwarded-proto", value: http.scheme)
            headers.add(
                name: "x-fc-http-params",
                value: InstanceContract.httpParams(
                    path: http.functionPath, requestURI: http.requestURI, method: http.method, clientIP: http.clientIP,
                    host: http.host))
            let head = HTTPRequestHead(
                version: .http1_1, method: HTTPMethod(rawValue: http.method), uri: http.requestURI, headers: headers)
            return (head, http.body, true)
        }
    }

    /// A request of Nimbus's own with no body: `/initialize`, the lifecycle hooks, a standby probe.
    static func control(_ method: HTTPMethod, _ path: String, contractHeaders: HTTPHeaders = [:], port: Int)
        -> HTTPRequestHead
    {
        var headers = contractHeaders
        headers.add(name: "host", value: "127.0.0.1:\(port)")
        return HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
    }

    /// The contract's headers for one request, as the wire carries them.
    static func headers(_ contract: InstanceContract, requestId: String, controlPath: String, retryCount: Int = 0)
        -> HTTPHeaders
    {
        HTTPHeaders(contract.headers(requestId: requestId, controlPath: controlPath, retryCount: retryCount))
    }

    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "content-length",
    ]

    /// The headers the contract sets; a client's own values for them are not forwarded.
    static let contractHeaderNames: Set<String> = Set(
        InstanceContract.headerNames + ["x-fc-http-params", "host", "x-forwarded-proto"])
}
