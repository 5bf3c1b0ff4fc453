import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// Checks the signature of every management and invocation call (everything under an API prefix except
/// HTTP-trigger paths, whose triggers decide for themselves; ``APIVersion/requiresSignature(_:)``), in
/// either scheme, through the server's one ``RequestAuthenticator``.
package struct SignatureMiddleware: RouterMiddleware {
    package typealias Context = NimbusRequestContext

    let authenticator: RequestAuthenticator
    let now: @Sendable () -> Date

    package init(authenticator: RequestAuthenticator, now: @escaping @Sendable () -> Date) {
        self.authenticator = authenticator
        self.now = now
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard APIVersion.requiresSignature(request.uri.path) else { return try await next(request, context) }
        var request = request
        try await Self.verify(&request, authenticator: authenticator, now: now())
        return try await next(request, context)
    }

    /// Verifies the head, then, for ACS3, the body's hash: the body is read (bounded) only once the
    /// signature over its claimed hash holds, and handed on buffered for the route to read again.
    static func verify(_ request: inout Request, authenticator: RequestAuthenticator, now: Date) async throws {
        let check = try authenticator.verify(signedRequest(request), now: now)
        guard check.needsBody else { return }
        try check.verify(body: try await RequestBody.buffer(&request, limit: RequestBody.largestAccepted))
    }

    static func signedRequest(_ request: Request) -> FCSignature.Request {
        signedRequest(request.head, path: request.uri.path, query: request.uri.query)
    }

    /// The parts a signature covers. `path` is as sent (not decoded), without the query.
    static func signedRequest(_ head: HTTPRequest, path: String, query: String?) -> FCSignature.Request {
        var headers = head.headerFields.map { ($0.name.canonicalName, $0.value) }
        // HTTP/1's Host header arrives as the request's authority, not among its fields; ACS3 signs it.
        if let authority = head.authority { headers.append(("host", authority)) }
        return FCSignature.Request(method: head.method.rawValue, rawPath: path, rawQuery: query, headers: headers)
    }
}
