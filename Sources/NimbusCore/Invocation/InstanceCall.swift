import Foundation
import NIOCore

/// A call to run on an instance: the words the edge, the application layer and the runtime share.
///
/// Bodies are NIO `ByteBuffer`s, as both HTTP edges receive them and the instance client sends them: one
/// buffer from the client's socket to the program's, no copy per layer.
package struct InstanceCall: Sendable {
    package enum Kind: Sendable {
        /// `POST /invoke` with the event bytes.
        case event(ByteBuffer)
        /// An HTTP-trigger request, forwarded as the client sent it.
        case http(HTTPCall)

        package var isHTTP: Bool {
            if case .http = self { return true }
            return false
        }
    }

    package var requestId: String
    package var kind: Kind
    /// Keep the last 4 KB of this call's log lines for `X-Fc-Log-Result`.
    package var wantsLogTail: Bool
    /// Async retries before this call (`x-fc-retry-count`, the context's `retryCount`).
    package var retryCount: Int

    package init(requestId: String, kind: Kind, wantsLogTail: Bool, retryCount: Int = 0) {
        self.requestId = requestId
        self.kind = kind
        self.wantsLogTail = wantsLogTail
        self.retryCount = retryCount
    }
}

/// The client's request as an HTTP trigger received it.
package struct HTTPCall: Sendable {
    package var method: String
    /// The original request URI (path and query), e.g. `/2016-08-15/proxy/svc/fn/a?b=1`.
    package var requestURI: String
    /// The path relative to the function, e.g. `/a`.
    package var functionPath: String
    /// Names in lowercase, as both edges give them.
    package var headers: [(String, String)]
    package var body: ByteBuffer
    package var clientIP: String
    package var host: String
    /// `https` when the call came over Nimbus's HTTPS listener: the function sees it as `x-forwarded-proto`.
    package var scheme: String

    package init(
        method: String, requestURI: String, functionPath: String, headers: [(String, String)], body: ByteBuffer,
        clientIP: String, host: String, scheme: String = "http"
    ) {
        self.method = method
        self.requestURI = requestURI
        self.functionPath = functionPath
        self.headers = headers
        self.body = body
        self.clientIP = clientIP
        self.host = host
        self.scheme = scheme
    }
}

/// What a call produced: the function's reply, or FC's error shape for a crash or timeout.
package struct InstanceReply: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: ByteBuffer
    /// `HandledInvocationError` / `UnhandledInvocationError`, nil on success.
    package var errorType: String?
    package var instanceId: String
    package var duration: TimeInterval
    package var maxMemoryMB: Double
    /// How the instance this call started came up (only on the call that waited for it).
    package var coldStart: ColdStart?
    package var logTail: String?
    /// The instance was killed by this call (timeout, crash); it takes no more calls.
    package var instanceDied = false
    /// Why the platform ended a call, when it did (metering tells timeouts and OOM kills apart by it).
    package var failure: Failure?

    package enum Failure: Sendable, Equatable {
        case timeout, outOfMemory, crash
    }
    /// The call's metered units and price, for the response's cost receipt.
    package var costReceipt: String?

    package init(
        status: Int, headers: [(String, String)], body: ByteBuffer, errorType: String?, instanceId: String,
        duration: TimeInterval, maxMemoryMB: Double, coldStart: ColdStart? = nil, logTail: String? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.errorType = errorType
        self.instanceId = instanceId
        self.duration = duration
        self.maxMemoryMB = maxMemoryMB
        self.coldStart = coldStart
        self.logTail = logTail
    }
}

/// A live instance as the API lists it.
package struct InstanceSummary: Sendable {
    package var id: String
    package var state: String
    package var createdAt: Date
    package var lastUsed: Date
    package var callsServed: Int
    package var activeCalls: Int
    package var memoryMB: Double
    /// `LATEST` or the version the instance runs.
    package var versionId = "LATEST"

    package init(
        id: String, state: String, createdAt: Date, lastUsed: Date, callsServed: Int, activeCalls: Int,
        memoryMB: Double, versionId: String = "LATEST"
    ) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
        self.lastUsed = lastUsed
        self.callsServed = callsServed
        self.activeCalls = activeCalls
        self.memoryMB = memoryMB
        self.versionId = versionId
    }
}

/// Why and how an instance started: FC's cold-start phases, reported with its first call.
package struct ColdStart: Sendable, Equatable {
    /// `first-call`, `scale-out`, `after-idle-reclaim`, `after-redeploy` or `provisioned`.
    package var reason: String
    /// `standby` (a waiting generic process took the function) or `spawn` (a new process).
    package var mode: String
    /// Launch or assignment until the instance listened with the code in place.
    package var start: TimeInterval
    package var initializer: TimeInterval

    package init(reason: String, mode: String, start: TimeInterval, initializer: TimeInterval) {
        self.reason = reason
        self.mode = mode
        self.start = start
        self.initializer = initializer
    }

    /// `reason=first-call; mode=standby; start-ms=4; initializer-ms=0`
    package var header: String {
        "reason=\(reason); mode=\(mode); start-ms=\(Int((start * 1000).rounded())); "
            + "initializer-ms=\(Int((initializer * 1000).rounded()))"
    }
}
