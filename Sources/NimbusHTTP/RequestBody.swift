import Hummingbird
import NIOCore
import NimbusCore

/// The one way a route reads a request body: bounded, with 413 `EntityTooLarge` past the limit,
/// refused on its Content-Length before a byte is read when the client declares it.
enum RequestBody {
    static func collect(_ request: Request, limit: Int, tooLarge message: String) async throws -> ByteBuffer {
        let refusal = NimbusError(.entityTooLarge, "\(message) (\(limit) bytes)")
        // A Content-Length past Int.max (NIO's parser takes any UInt64) is too large, not absent.
        if let length = request.headers[.contentLength], Int(length).map({ $0 > limit }) ?? true {
            throw refusal
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw refusal
        }
    }
}
