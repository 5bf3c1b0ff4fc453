import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusInvocation

/// The web console at `/console`: login, the account overview, a page per service and per function.
/// No page or number without a session.
package struct ConsoleAPI: Sendable {
    let sessions: ConsoleSessions
    let usage: UsageAPI
    let runner: FunctionRunner
    let events: any AsyncEventStore
    static let cookie = "nimbus_session"
    static let windows = ["15m", "1h", "6h", "24h", "7d"]

    package init(sessions: ConsoleSessions, usage: UsageAPI, runner: FunctionRunner, events: any AsyncEventStore) {
        self.sessions = sessions
        self.usage = usage
        self.runner = runner
        self.events = events
    }

    var pages: ConsolePages { ConsolePages(usage: usage, runner: runner, events: events) }

    package func register(on router: Router<NimbusRequestContext>) {
        router.get("console/login") { request, _ in
            Self.html(HTML.page(title: "Log in", body: ConsolePages.login(error: nil), live: false))
        }
        router.post("console/login") { request, _ in
            let body = try await request.body.collect(upTo: 16 << 10)
            var form: [String: String] = [:]
            for pair in FormQuery.pairs(String(buffer: body)) { form[pair.key] = pair.value }
            guard
                let session = sessions.login(
                    keyId: form["accessKeyId"] ?? "", secret: form["accessKeySecret"] ?? "", token: form["token"] ?? "")
            else {
                return Self.html(
                    HTML.page(
                        title: "Log in", body: ConsolePages.login(error: "Wrong key pair or token."), live: false),
                    status: .unauthorized)
            }
            var response = Self.redirect("/console")
            response.headers[.setCookie] =
                "\(Self.cookie)=\(session); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessions.lifetime))"
            return response
        }
        router.post("console/logout") { request, _ in
            sessions.logout(Self.session(request))
            var response = Self.redirect("/console/login")
            response.headers[.setCookie] = "\(Self.cookie)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
        router.get("console") { request, _ in
            try await guarded(request) { window in try await pages.overview(window: window) }
        }
        router.get("console/services/:service") { request, context in
            let service = try ManagementAPI.parameter(context, "service")
            return try await guarded(request) { window in try await pages.service(service, window: window) }
        }
        router.get("console/services/:service/functions/:function") { request, context in
            let service = try ManagementAPI.parameter(context, "service")
            let function = try ManagementAPI.parameter(context, "function")
            return try await guarded(request) { window in
                try await pages.function(function, service: service, window: window)
            }
        }
    }

    /// Renders a page for a logged-in browser; anyone else is sent to the login form.
    func guarded(_ request: Request, _ render: (String) async throws -> (String, String)) async throws -> Response {
        guard sessions.isValid(Self.session(request)) else { return Self.redirect("/console/login") }
        let asked = ManagementAPI.query(request)["window"] ?? "1h"
        let window = Self.windows.contains(asked) ? asked : "1h"
        do {
            let (title, body) = try await render(window)
            return Self.html(HTML.page(title: title, body: body))
        } catch let error as NimbusError {
            let body = "<h1>Not found</h1><p class=\"error\">\(HTML.escape(error.message))</p>"
            return Self.html(HTML.page(title: "Not found", body: body, live: false), status: .notFound)
        }
    }

    static func session(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookie { return String(pair[1]) }
        }
        return nil
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("content-security-policy")!] =
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
