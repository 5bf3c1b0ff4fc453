import Foundation
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
/// function never holds more than twice that on disk.
package actor FunctionLogs {
    let root: URL
    let maximumBytes: Int
    private var handles: [String: (handle: FileHandle, size: Int)] = [:]

    package init(root: URL, maximumBytes: Int = 8 << 20) {
        self.root = root
        self.maximumBytes = maximumBytes
    }

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
        guard var entry = handles[key] ?? open(service: service, function: function) else { return }
        if entry.size + data.count > maximumBytes {
            try? entry.handle.close()
            let url = file(service: service, function: function)
            let rotated = url.appendingPathExtension("1")
            try? FileManager.default.removeItem(at: rotated)
            try? FileManager.default.moveItem(at: url, to: rotated)
            handles[key] = nil
            guard let fresh = open(service: service, function: function) else { return }
            entry = fresh
        }
        try? entry.handle.write(contentsOf: data)
        entry.size += data.count
        handles[key] = entry
    }

    private func open(service: String, function: String) -> (handle: FileHandle, size: Int)? {
        let url = file(service: service, function: function)
        try? FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else { return nil }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        return (handle, size)
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
