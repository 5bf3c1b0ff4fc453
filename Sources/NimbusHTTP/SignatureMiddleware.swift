import Foundation
import Hummingbird
import NimbusCore

/// Checks the FC signature of every management and invocation call (everything under `/2016-08-15/`
/// except HTTP-trigger paths, whose triggers decide for themselves).
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
        let path = request.uri.path
        if path.hasPrefix("/2016-08-15/"), !path.hasPrefix("/2016-08-15/proxy/") {
            try authenticator.verify(Self.signedRequest(request), now: now())
        }
        return try await next(request, context)
    }

    static func signedRequest(_ request: Request) -> FCSignature.Request {
        FCSignature.Request(
            method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query,
            headers: request.headers.map { ($0.name.canonicalName, $0.value) })
    }
}
