import Hummingbird
import NIOCore
import NimbusCore

/// The one way a route reads a request body: bounded, with 400 `EntityTooLarge` past the limit (FC's status),
/// refused on its Content-Length before a byte is read when the client declares it.
enum RequestBody {
    /// The largest body any route takes (a 100 MB zip is about 134 MB once base64-encoded in JSON).
    static let largestAccepted = 140 * 1024 * 1024

    static func collect(_ request: Request, limit: Int, tooLarge message: String) async throws -> ByteBuffer {
        try refuseDeclaredLength(request, limit: limit, message: message)
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw NimbusError(.entityTooLarge, "\(message) (\(limit) bytes)")
        }
    }

    /// Reads the body and leaves it in the request, buffered, for a later reader (the route after a
    /// middleware that needed the bytes first).
    static func buffer(_ request: inout Request, limit: Int) async throws -> ByteBuffer {
        let message = "the request body exceeds the maximum allowed size"
        try refuseDeclaredLength(request, limit: limit, message: message)
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw NimbusError(.entityTooLarge, "\(message) (\(limit) bytes)")
        }
    }

    static func refuseDeclaredLength(_ request: Request, limit: Int, message: String) throws(NimbusError) {
        // A Content-Length past Int.max (NIO's parser takes any UInt64) is too large, not absent.
        if let length = request.headers[.contentLength], Int(length).map({ $0 > limit }) ?? true {
            throw NimbusError(.entityTooLarge, "\(message) (\(limit) bytes)")
        }
    }
}
