import Foundation
import NimbusCore
import Synchronization

/// The cgroup hierarchy instances are placed in: v1 (one folder per controller) or v2 (unified).
package struct Cgroups: Sendable, Equatable {
    package enum Version: String, Sendable { case v1, v2 }

    package let version: Version
    /// Nimbus's parent folders: one per controller on v1, one on v2.
    let roots: [String: String]

    /// Finds a writable hierarchy with the memory, pids and cpu controllers, and makes Nimbus's folders.
    /// `group` names this Nimbus (one per data dir), so two servers on one host never touch each
    /// other's instances.
    package static func detect(base: String = "/sys/fs/cgroup", group: String) -> Cgroups? {
        let fileManager = FileManager.default
        let v1 = ["memory": "\(base)/memory", "pids": "\(base)/pids", "cpu": "\(base)/cpu"]
        if v1.values.allSatisfy({ fileManager.fileExists(atPath: "\($0)/cgroup.procs") }) {
            let roots = v1.mapValues { "\($0)/\(group)" }
            guard roots.values.allSatisfy({ makeDirectory($0) }) else { return nil }
            return Cgroups(version: .v1, roots: roots)
        }
        for candidate in [base, "\(base)/unified"] {
            guard let controllers = try? String(contentsOfFile: "\(candidate)/cgroup.controllers", encoding: .utf8),
                ["memory", "pids", "cpu"].allSatisfy({ controllers.contains($0) })
            else { continue }
            let root = "\(candidate)/\(group)"
            guard makeDirectory(root) else { return nil }
            try? "+memory +pids +cpu".write(
                toFile: "\(root)/cgroup.subtree_control", atomically: false, encoding: .utf8)
            return Cgroups(version: .v2, roots: ["unified": root])
        }
        return nil
    }

    static func makeDirectory(_ path: String) -> Bool {
        (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil
            && FileManager.default.isWritableFile(atPath: path)
    }

    /// Creates the instance's cgroup with its limits.
    package func create(_ name: String, limits: SandboxPlan.Limits) throws(NimbusError) -> InstanceCgroup {
        let folders = roots.mapValues { "\($0)/\(name)" }
        for folder in folders.values where !Self.makeDirectory(folder) {
            throw NimbusError(.internalServerError, "cannot create the cgroup \(folder)")
        }
        let cgroup = InstanceCgroup(version: version, folders: folders)
        do {
            try cgroup.apply(limits)
        } catch {
            cgroup.remove()
            throw error
        }
        return cgroup
    }

    /// Removes this Nimbus's own folders once its instances are gone.
    package func removeRoot() {
        removeLeftovers()
        for root in roots.values { rmdir(root) }
    }

    /// At shutdown: the same, waiting up to `seconds` per cgroup for its last killed processes to
    /// leave it (an immediate rmdir after SIGKILL fails while they are still dying).
    package func removeRoot(waitingUpTo seconds: Double) async {
        for leftover in leftovers() {
            leftover.killAll()
            _ = await leftover.removeWhenEmpty(seconds: seconds)
        }
        for root in roots.values { rmdir(root) }
    }

    /// Removes what a previous run of this Nimbus left (after a crash of Nimbus itself).
    package func removeLeftovers() {
        for leftover in leftovers() {
            leftover.killAll()
            leftover.remove()
        }
    }

    private func leftovers() -> [InstanceCgroup] {
        var names: Set<String> = []
        for root in roots.values {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix("i-") {
                names.insert(name)
            }
        }
        return names.sorted().map { name in
            InstanceCgroup(version: version, folders: roots.mapValues { "\($0)/\(name)" })
        }
    }
}

/// One instance's cgroup(s): membership files for nimbus-init, accounting, and the kill switch.
package final class InstanceCgroup: Sendable {
    let version: Cgroups.Version
    let folders: [String: String]

    /// Kept open: every call reads (and on v1 resets) the peak, and a path walk per call adds up.
    let peakFile: Int32
    /// Kept open too: every call reads the OOM-kill count when it starts (a call's out-of-memory is
    /// a kill that happened during it, not one of a child an earlier call survived).
    let oomFile: Int32
    /// The counters as they were when the folders were removed: an exchange that ends after its
    /// instance's exit (the exit removes the cgroup) still reads the peak and the OOM kill.
    private let lastCounters = Mutex<(peakBytes: Int?, oomKills: Int)?>(nil)

    init(version: Cgroups.Version, folders: [String: String]) {
        self.version = version
        self.folders = folders
        let memory = folders[version == .v1 ? "memory" : "unified"] ?? ""
        let file = memory + (version == .v1 ? "/memory.max_usage_in_bytes" : "/memory.peak")
        let writable = open(file, O_RDWR | O_CLOEXEC)
        peakFile = writable >= 0 ? writable : open(file, O_RDONLY | O_CLOEXEC)
        oomFile = open(memory + (version == .v1 ? "/memory.oom_control" : "/memory.events"), O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if peakFile >= 0 { close(peakFile) }
        if oomFile >= 0 { close(oomFile) }
    }

    /// Sets the function's limits (also when a standby instance is given to a function). Throws when
    /// one did not take: an instance must not run without its limits.
    package func apply(_ limits: SandboxPlan.Limits) throws(NimbusError) {
        switch version {
        case .v1:
            // memsw may never be below the memory limit: raising needs memsw first, lowering needs it
            // last; writing it on both sides of the limit covers both, so only the second must take.
            // It exists only where swap is accounted.
            let swap = exists("memory", "memory.memsw.limit_in_bytes")
            if swap { try? set("memory", "memory.memsw.limit_in_bytes", String(limits.memoryBytes)) }
            try set("memory", "memory.limit_in_bytes", String(limits.memoryBytes))
            if swap { try set("memory", "memory.memsw.limit_in_bytes", String(limits.memoryBytes)) }
            try set("pids", "pids.max", String(limits.pids))
            try set("cpu", "cpu.shares", String(limits.cpuShares))
        case .v2:
            try set("unified", "memory.max", String(limits.memoryBytes))
            if exists("unified", "memory.swap.max") { try set("unified", "memory.swap.max", "0") }
            try set("unified", "pids.max", String(limits.pids))
            try set("unified", "cpu.weight", String(max(1, min(10000, limits.cpuShares * 100 / 1024))))
        }
    }

    /// The `cgroup.procs` files the instance's first process writes itself into.
    package var procsFiles: [String] { folders.values.sorted().map { "\($0)/cgroup.procs" } }

    /// Writes one control file; the kernel's refusal (a limit it does not accept) is the error.
    func set(_ controller: String, _ file: String, _ value: String) throws(NimbusError) {
        let path = "\(folders[controller] ?? "<no \(controller) controller>")/\(file)"
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NimbusError(.internalServerError, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let count = value.utf8.count
        guard value.withCString({ write(descriptor, $0, count) }) == count else {
            throw NimbusError(
                .internalServerError, "cannot set \(path) to \(value): \(String(cString: strerror(errno)))")
        }
    }

    func exists(_ controller: String, _ file: String) -> Bool {
        folders[controller].map { FileManager.default.fileExists(atPath: "\($0)/\(file)") } ?? false
    }

    func read(_ controller: String, _ file: String) -> String? {
        guard let folder = folders[controller] else { return nil }
        return try? String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)
    }

    var memoryController: String { version == .v1 ? "memory" : "unified" }

    /// Peak memory since the last reset, in bytes.
    package func peakMemoryBytes() -> Int? {
        Self.readNumber(peakFile, after: "") ?? lastCounters.withLock { $0?.peakBytes }
    }

    /// The number on the line of a kept-open control file that starts with `label` (the whole
    /// file when it is empty), read on every call: digits parsed in place, no String.
    private static func readNumber(_ file: Int32, after label: StaticString) -> Int? {
        guard file >= 0 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer -> Int? in
            let count = pread(file, buffer.baseAddress, 256, 0)
            guard count > 0 else { return nil }
            let bytes = UnsafeBufferPointer(rebasing: buffer.prefix(count))
            let prefix = UnsafeBufferPointer(start: label.utf8Start, count: label.utf8CodeUnitCount)
            var start = 0
            while !bytes[start...].starts(with: prefix) {
                guard let newline = bytes[start...].firstIndex(of: 0x0A) else { return nil }
                start = newline + 1
            }
            var value = 0
            var digits = 0
            for byte in bytes[(start + prefix.count)...] {
                guard byte >= 0x30, byte <= 0x39, digits < 18 else { break }
                value = value * 10 + Int(byte - 0x30)
                digits += 1
            }
            return digits > 0 ? value : nil
        }
    }

    /// Memory in use now, in bytes.
    package func currentMemoryBytes() -> Int? {
        let file = version == .v1 ? "memory.usage_in_bytes" : "memory.current"
        return read(memoryController, file).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    package func resetPeak() {
        guard version == .v1, peakFile >= 0 else { return }
        _ = "0".withCString { pwrite(peakFile, $0, 1, 0) }
    }

    /// How many times the kernel killed a process of this instance for memory (the `oom_kill` line).
    package func oomKills() -> Int {
        Self.readNumber(oomFile, after: "oom_kill ") ?? lastCounters.withLock { $0?.oomKills } ?? 0
    }

    /// SIGKILL to every process still in the cgroup (escapes from process groups included).
    package func killAll() {
        for file in procsFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for pid in text.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
    }

    /// Removes the cgroup's folders; false while processes are still in them.
    @discardableResult
    package func remove() -> Bool {
        if let kills = Self.readNumber(oomFile, after: "oom_kill ") {
            let peak = Self.readNumber(peakFile, after: "")
            lastCounters.withLock { $0 = (peak, kills) }
        }
        var removed = true
        for folder in folders.values where rmdir(folder) != 0 && errno != ENOENT { removed = false }
        return removed
    }

    /// Removes the folders once the processes in them are gone, trying for up to `seconds`; false
    /// if some are still there then.
    package func removeWhenEmpty(seconds: Double = 3) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !remove() {
            guard ContinuousClock.now < deadline else { return false }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return remove() }
        }
        return true
    }
}
