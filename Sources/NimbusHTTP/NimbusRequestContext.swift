import Hummingbird
import Logging

/// Per-request state: Hummingbird's core storage plus the FC request id every response carries.
package struct NimbusRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    package var requestId: String = ""
    /// The client's IP address, for HTTP triggers (`REMOTE_ADDR`, `clientIP`).
    package var clientIP: String
    /// The listener's port: tells the HTTPS listener's requests from the plain one's.
    package var localPort: Int?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientIP = source.channel.remoteAddress?.ipAddress ?? ""
        self.localPort = source.channel.localAddress?.port
    }
}
