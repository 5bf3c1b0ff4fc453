import Foundation
import NimbusCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `/code` of a standby instance: an empty folder mounted into its sandbox before any function is
/// known. It is a shared mount, so when a function takes the standby, binding the function's code
/// (read-only) onto it on the host appears inside the running sandbox at once.
struct SlotMount: Sendable {
    let path: String
    /// Where the code is first bound and made read-only, then bound onto the slot.
    var staging: String { path + ".ro" }

    static func make(root: URL, id: String) throws(NimbusError) -> SlotMount {
        let slot = SlotMount(path: root.appendingPathComponent(id).path)
        for folder in [slot.path, slot.staging] {
            guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil
            else { throw NimbusError(.internalServerError, "cannot create \(folder)") }
        }
        guard mount(slot.path, slot.path, nil, UInt(MS_BIND), nil) == 0,
            mount(nil, slot.path, nil, UInt(MS_SHARED), nil) == 0
        else { throw NimbusError(.internalServerError, "cannot make \(slot.path) a shared mount: \(errno)") }
        return slot
    }

    /// Shows `codeDirectory` read-only at the slot (and so at the sandbox's `/code`).
    func attach(_ codeDirectory: String) throws(NimbusError) {
        guard mount(codeDirectory, staging, nil, UInt(MS_BIND), nil) == 0,
            mount(nil, staging, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil) == 0,
            mount(staging, path, nil, UInt(MS_BIND), nil) == 0
        else { throw NimbusError(.internalServerError, "cannot mount the code at \(path): \(errno)") }
    }

    /// Unmounts slots a previous run of this Nimbus left behind (it was killed before cleaning up).
    static func removeLeftovers(root: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where !name.hasSuffix(".ro")
        {
            SlotMount(path: root.appendingPathComponent(name).path).release()
        }
    }

    func release() {
        for target in [path, path, staging] { umount2(target, Int32(MNT_DETACH)) }
        rmdir(path)
        rmdir(staging)
    }
}
