import CoreMetrics
import Foundation
import Logging
import NimbusCore
import Synchronization

extension LogLine {
    /// JSON lines as `JSONEncoder` with `.millisecondsSince1970` writes them, built by hand: every call
    /// of a custom runtime logs two lines, and an encoder per line was a measurable share of a warm call.
    static func jsonLines(_ lines: [LogLine]) -> Data {
        var text = ""
        for line in lines {
            text += "{\"time\":" + (line.time.timeIntervalSince1970 * 1000).description
            if let requestId = line.requestId {
                text += ",\"requestId\":"
                JSONText.appendString(requestId, to: &text)
            }
            text += ",\"instanceId\":"
            JSONText.appendString(line.instanceId, to: &text)
            text += ",\"text\":"
            JSONText.appendString(line.text, to: &text)
            text += "}\n"
        }
        return Data(text.utf8)
    }
}

/// Each function's log, kept as JSON lines under `<data dir>/logs/<service>/<function>.log`.
///
/// Bounded: when a file passes `maximumBytes` it becomes `.log.1` (replacing the older one), so a
/// function never holds more than twice that on disk. A write that fails (a full disk) loses that
/// batch, is counted in `nimbus_log_write_failures_total` and said once in Nimbus's log until writes
/// work again.
package actor FunctionLogs {
    let root: URL
    let maximumBytes: Int
    private var handles: [String: (handle: FileHandle, size: Int)] = [:]
    private let writeFailures: Counter
    private nonisolated let linesDropped: Counter
    private let logger: Logger
    /// Functions whose last write failed: said once, not once per batch.
    private var failing: Set<String> = []

    package init(
        root: URL, maximumBytes: Int = 8 << 20, metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        logger: Logger = Logger(label: "nimbus.logs")
    ) {
        self.root = root
        self.maximumBytes = maximumBytes
        self.writeFailures = Counter(label: "nimbus_log_write_failures_total", factory: metrics)
        self.linesDropped = Counter(label: "nimbus_log_lines_dropped_total", factory: metrics)
        self.logger = logger
    }

    /// Lines an instance's log budget dropped.
    package nonisolated func countDropped(lines: Int) { linesDropped.increment(by: lines) }

    func file(service: String, function: String) -> URL {
        root.appendingPathComponent(service, isDirectory: true).appendingPathComponent("\(function).log")
    }

    /// Lines not yet written wait in the inbox, per function: one write per function every
    /// `flushInterval` (at once past 64 KB) instead of one per line. A crash of Nimbus loses at most
    /// that interval of output.
    let flushInterval: Duration = .milliseconds(100)

    /// Every line, from instances and from the warm lane, comes in here without waiting for this actor:
    /// encoded by the caller and kept under a lock in the order posted.
    private nonisolated let inbox = Mutex(Inbox())

    private struct Inbox {
        var entries: [String: (service: String, function: String, data: Data)] = [:]
        /// A flush task will run: after the interval, or at once (`urgent`) for a large backlog.
        var scheduled = false
        var urgent = false
    }

    package nonisolated func post(_ lines: [LogLine], service: String, function: String) {
        let data = LogLine.jsonLines(lines)
        let wait: Duration? = inbox.withLock { inbox in
            let key = "\(service)/\(function)"
            if inbox.entries[key] == nil {
                inbox.entries[key] = (service, function, data)
            } else {
                inbox.entries[key]!.data.append(data)
            }
            if !inbox.urgent, inbox.entries[key]!.data.count >= 64 << 10 {
                inbox.urgent = true
                inbox.scheduled = true
                return .zero
            }
            defer { inbox.scheduled = true }
            return inbox.scheduled ? nil : flushInterval
        }
        guard let wait else { return }
        // One flush per interval, scheduled by the first line of it: writers never wait for the disk.
        Task { [weak self] in
            if wait > .zero { try? await Task.sleep(for: wait) }
            await self?.flush()
        }
    }

    /// Writes every posted line.
    func flush() {
        let posted = inbox.withLock { inbox in
            defer { inbox = Inbox() }
            return inbox.entries
        }
        for (key, batch) in posted { write(batch.data, key: key, service: batch.service, function: batch.function) }
    }

    private func write(_ batch: Data, key: String, service: String, function: String) {
        var data = batch
        if data.count > maximumBytes {  // lines older than a whole file's worth would be rotated away
            let cut = data.count - maximumBytes
            let start = data[data.startIndex.advanced(by: cut)...].firstIndex(of: 0x0A).map { $0 + 1 } ?? data.endIndex
            data = Data(data[start...])
        }
        do {
            var entry = try handles[key] ?? open(service: service, function: function)
            if entry.size + data.count > maximumBytes {
                handles[key] = nil
                try entry.handle.close()
                let url = file(service: service, function: function)
                let rotated = url.appendingPathExtension("1")
                if FileManager.default.fileExists(atPath: rotated.path) {
                    try FileManager.default.removeItem(at: rotated)
                }
                try FileManager.default.moveItem(at: url, to: rotated)
                entry = try open(service: service, function: function)
            }
            try entry.handle.write(contentsOf: data)
            entry.size += data.count
            handles[key] = entry
            if failing.remove(key) != nil { logger.info("function log writable again", metadata: ["log": "\(key)"]) }
        } catch {
            handles[key] = nil
            writeFailures.increment()
            if failing.insert(key).inserted {
                logger.error(
                    "cannot write a function's log: its output is lost until writes work again",
                    metadata: ["log": "\(key)", "error": "\(error)"])
            }
        }
    }

    private func open(service: String, function: String) throws -> (handle: FileHandle, size: Int) {
        let url = file(service: service, function: function)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw NimbusError(.internalServerError, "cannot create \(url.path)")
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        return (handle, Int(clamping: try handle.seekToEnd()))
    }

    /// Lines newer than `since` (oldest first), at most `limit` of the newest.
    package func read(service: String, function: String, since: Date?, limit: Int) -> [LogLine] {
        flush()
        let url = file(service: service, function: function)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        var lines: [LogLine] = []
        for candidate in [url.appendingPathExtension("1"), url] {
            guard let data = try? Data(contentsOf: candidate) else { continue }
            for raw in data.split(separator: 0x0A) {
                guard let line = try? decoder.decode(LogLine.self, from: raw) else { continue }
                if let since, line.time <= since { continue }
                lines.append(line)
            }
        }
        return Array(lines.suffix(limit))
    }

    package func closeAll() {
        flush()
        for entry in handles.values { try? entry.handle.close() }
        handles = [:]
    }
}
