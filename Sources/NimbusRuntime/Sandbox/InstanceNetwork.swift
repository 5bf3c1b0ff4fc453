import CNamespaceSocket
import Foundation
import NimbusCore

/// An instance's network namespace, held open so Nimbus can connect to its program from inside it:
/// the bytes of a call then go straight to the program, not through nimbus-init's relay.
///
/// The descriptor closes only when the last exchange holding this object is done, so a connect can
/// never enter a namespace (or a reused descriptor number) that is not this instance's.
final class InstanceNetwork: Sendable {
    private let namespace: Int32
    /// The port the program listens on inside its namespace.
    let port: Int

    private init(namespace: Int32, port: Int) {
        self.namespace = namespace
        self.port = port
    }

    deinit { close(namespace) }

    /// The namespace nimbus-init's child (the sandbox) runs in; nil when that is Nimbus's own.
    static func of(_ process: InstanceProcess, port: Int) throws(NimbusError) -> InstanceNetwork {
        let childrenPath = "/proc/\(process.pid)/task/\(process.pid)/children"
        let children: String
        do {
            children = try String(contentsOfFile: childrenPath, encoding: .utf8)
        } catch {
            throw NimbusError(.instanceExited, "cannot read \(childrenPath): \(error)")
        }
        guard let child = children.split(separator: " ").first else {
            throw NimbusError(.instanceExited, "the instance's sandbox process is gone")
        }
        let descriptor = open("/proc/\(child)/ns/net", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NimbusError(
                .instanceExited, "cannot open the network namespace of process \(child): errno \(errno)")
        }
        let own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)
        defer { if own >= 0 { close(own) } }
        guard own >= 0, nimbus_namespace_inode(descriptor) != nimbus_namespace_inode(own) else {
            close(descriptor)
            throw NimbusError(.internalServerError, "the instance runs in Nimbus's own network namespace")
        }
        return InstanceNetwork(namespace: descriptor, port: port)
    }

    /// A connected, non-blocking socket to the program. Blocks the calling thread for the connect
    /// (loopback: microseconds; at most `timeout` when the program's backlog is full).
    func connect(timeout: Duration = .seconds(1)) throws(NimbusError) -> Int32 {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        let descriptor = nimbus_connect_in_namespace(namespace, Int32(clamping: port), milliseconds)
        guard descriptor >= 0 else {
            throw NimbusError(
                .instanceExited, "cannot connect to port \(port) inside the instance's namespace: errno \(errno)")
        }
        return descriptor
    }
}
