import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import NimbusCore

/// Gives every request an FC request id and turns every error into FC's JSON error body.
///
/// Unknown errors become a 500 whose body says nothing about internals; they are logged once, here.
package struct FCErrorMiddleware: RouterMiddleware {
    package typealias Context = NimbusRequestContext

    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let requestId = RequestID.make()
        context.requestId = requestId
        context.logger[metadataKey: "request.id"] = .string(requestId)
        do {
            var response = try await next(request, context)
            response.headers[FCResponse.requestIdHeader] = requestId
            return response
        } catch let error as NimbusError {
            return FCResponse.error(Self.shown(error, logger: context.logger), requestId: requestId)
        } catch let error as HTTPError {
            return FCResponse.error(Self.translate(error, request), requestId: requestId)
        } catch let error as HTTPParserError {
            // A body cut short (the client closed early, a chunk never finished) is the client's fault.
            let reason = "the request could not be read: \(error.debugDescription)"
            return FCResponse.error(NimbusError(.invalidArgument, reason), requestId: requestId)
        } catch {
            context.logger.error("request failed", metadata: ["error": .string(String(describing: error))])
            return FCResponse.error(NimbusError(.internalServerError, "internal error"), requestId: requestId)
        }
    }

    /// The error as the client sees it: an internal one says nothing of internals, and is logged once, here.
    static func shown(_ error: NimbusError, logger: Logger) -> NimbusError {
        guard error.code == .internalServerError else { return error }
        logger.error("request failed", metadata: ["error": .string(error.message)])
        return NimbusError(.internalServerError, "internal error")
    }

    /// Hummingbird's own errors (no route, body too large, ...) in FC's words.
    static func translate(_ error: HTTPError, _ request: Request) -> NimbusError {
        switch error.status {
        case .notFound, .methodNotAllowed:
            NimbusError(.pathNotSupported, "'\(request.method)' against '\(request.uri.path)' is not supported")
        case .contentTooLarge:
            NimbusError(.entityTooLarge, "the request body exceeds the maximum allowed size")
        case .badRequest:
            NimbusError(.invalidArgument, error.body ?? "bad request")
        default:
            NimbusError(.internalServerError, "internal error")
        }
    }
}
