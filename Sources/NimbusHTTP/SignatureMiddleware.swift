import Foundation
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
        FCSignature.Request(
            method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query,
            headers: request.headers.map { ($0.name.canonicalName, $0.value) })
    }
}
