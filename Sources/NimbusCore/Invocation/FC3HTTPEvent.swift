import Foundation
import NIOCore

/// FC 3.0's HTTP triggers for the built-in runtimes (fc3-api spec 6.2, 6.3): the request reaches
/// `handler(event, context)` as an event JSON, and an answer `{statusCode, headers, isBase64Encoded, body}`
/// becomes the HTTP response (any other answer is a 200 with the bytes as they are). Pure.
package enum FC3HTTPEvent {
    /// Whether a call to this function is translated: an HTTP call to a python or nodejs function made
    /// through FC 3.0. Custom runtimes, and functions made through 2.0, get the request as it is.
    package static func applies(to contract: InstanceContract, _ kind: InstanceCall.Kind) -> Bool {
        guard case .http = kind, contract.service.spec.holdsFC3Function == true else { return false }
        let runtime = Runtime.acceptedNames[contract.function.spec.runtime ?? ""]
        return runtime == .python3 || runtime == .nodejs
    }

    /// Whether the call is an HTTP call to a custom runtime of a function made through FC 3.0: its app
    /// sees the request as its own URL would send it (``functionRequest(_:)``).
    package static func rewritesPath(for contract: InstanceContract, _ kind: InstanceCall.Kind) -> Bool {
        guard case .http = kind, contract.service.spec.holdsFC3Function == true else { return false }
        return Runtime.acceptedNames[contract.function.spec.runtime ?? ""] == .custom
    }

    /// The request with its URI as an FC 3.0 trigger URL delivers it (`/api/items?x=1`), not Nimbus's
    /// `/2016-08-15/proxy/...` path: FC 3.0's URLs have no prefix, so apps route on their own paths.
    package static func functionRequest(_ http: HTTPCall) -> HTTPCall {
        let (rawPath, query) = split(http.functionPath, query: http.requestURI)
        var request = http
        request.requestURI = query.isEmpty ? rawPath : rawPath + "?" + query
        return request
    }

    /// The event a handler receives for `http`.
    package static func event(_ http: HTTPCall, requestId: String, accountId: String, now: Date) -> ByteBuffer {
        let (rawPath, rawQuery) = split(http.functionPath, query: http.requestURI)
        var headers: [String: String] = [:]
        for (name, value) in http.headers where name != "x-forwarded-proto" {
            let key = titleCase(name)
            headers[key] = headers[key].map { "\($0),\(value)" } ?? value
        }
        headers["X-Forwarded-Proto"] = http.scheme  // Nimbus's, never the client's
        var query: [String: String] = [:]
        for pair in FormQuery.pairs(rawQuery) {
            query[pair.key] = query[pair.key].map { "\($0),\(pair.value)" } ?? pair.value
        }
        let bytes = Array(http.body.readableBytesView)
        let text = String(validating: bytes, as: UTF8.self)
        let isText = text != nil && isTextual(headers["Content-Type"] ?? "")
        let millis = Int((now.timeIntervalSince1970 * 1000).rounded(.down))
        let domain = http.host.split(separator: ":").first.map(String.init) ?? ""
        let event: JSONValue = .object([
            "version": .string("v1"),
            "rawPath": .string(rawPath),
            "headers": .object(headers.mapValues(JSONValue.string)),
            "queryParameters": .object(query.mapValues(JSONValue.string)),
            "body": .string(isText ? text ?? "" : Data(bytes).base64EncodedString()),
            "isBase64Encoded": .bool(!isText),
            "requestContext": .object([
                "accountId": .string(accountId),
                "domainName": .string(domain),
                "domainPrefix": .string(domain.split(separator: ".").first.map(String.init) ?? ""),
                "http": .object([
                    "method": .string(http.method),
                    "path": .string(http.functionPath.isEmpty ? "/" : http.functionPath),
                    "protocol": .string("HTTP/1.1"),
                    "sourceIp": .string(http.clientIP),
                    "userAgent": .string(headers["User-Agent"] ?? ""),
                ]),
                "requestId": .string(requestId),
                "time": .string(FCTime.string(now)),
                "timeEpoch": .string(String(millis)),
            ]),
        ])
        do {
            return ByteBuffer(bytes: try FCJSON.makeEncoder().encode(event))
        } catch {
            return ByteBuffer(string: "{}")  // a JSONValue always encodes; nothing to lose here
        }
    }

    /// The HTTP response for a handler's answer. A function error stays as it is (the edge makes it a 502).
    package static func response(_ reply: InstanceReply) -> InstanceReply {
        guard reply.errorType == nil else { return reply }
        var answer = reply
        // Not JSON is an answer too: a plain body, sent as it is.
        let parsed: JSONValue?
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(reply.body.readableBytesView))
        } catch {
            parsed = nil
        }
        guard case .object(let fields)? = parsed, case .number(let code)? = fields["statusCode"],
            let status = code.integer(in: 100...599)
        else {
            answer.status = 200
            answer.headers = []
            return answer
        }
        answer.status = status
        answer.headers = (fields["headers"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { key, value in
            switch value {
            case .string(let text): (key, text)
            case .number(let number): (key, number.description)
            case .bool(let flag): (key, String(flag))
            default: nil
            }
        }
        let body = fields["body"]?.stringValue ?? ""
        if fields["isBase64Encoded"] == .bool(true),
            let decoded = Data(base64Encoded: body, options: .ignoreUnknownCharacters)
        {
            answer.body = ByteBuffer(bytes: decoded)
        } else {
            answer.body = ByteBuffer(string: body)
        }
        return answer
    }

    /// The function's path as the client sent it (still percent-encoded: the tail of the request URI's
    /// path that decodes to `functionPath`), and the request URI's query.
    static func split(_ functionPath: String, query requestURI: String) -> (String, String) {
        let parts = requestURI.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? String(parts[1]) : ""
        let path = functionPath.isEmpty ? "/" : functionPath
        let wanted = path.split(separator: "/", omittingEmptySubsequences: false).count - 1
        let raw = (parts.first ?? "").split(separator: "/", omittingEmptySubsequences: false)
        let tail = "/" + raw.suffix(wanted).joined(separator: "/")
        if raw.count > wanted, tail.removingPercentEncoding == path { return (tail, query) }
        return (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path, query)
    }

    /// `content-type` → `Content-Type`, as FC 3.0 gives header names to handlers.
    static func titleCase(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: "-")
    }

    /// Bodies handed over as text; anything else (and anything not UTF-8) goes base64.
    static func isTextual(_ contentType: String) -> Bool {
        let type = contentType.lowercased()
        if type.isEmpty { return true }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml")
            || type.hasPrefix("application/x-www-form-urlencoded") || type.hasPrefix("application/javascript")
    }
}
