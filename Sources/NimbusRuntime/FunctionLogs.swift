import Foundation
import NimbusCore
import Synchronization

/// One line an instance printed, attributed to a request when it can be.
package struct LogLine: Sendable, Equatable, Codable {
    package var time: Date
    package var requestId: String?
    package var instanceId: String
    package var text: String

    package init(time: Date, requestId: String?, instanceId: String, text: String) {
        self.time = time
        self.requestId = requestId
        self.instanceId = instanceId
        self.text = text
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
    private let encoder = JSONEncoder()

    package init(root: URL, maximumBytes: Int = 8 << 20) {
        self.root = root
        self.maximumBytes = maximumBytes
        encoder.dateEncodingStrategy = .millisecondsSince1970
    }

    func file(service: String, function: String) -> URL {
        root.appendingPathComponent(service, isDirectory: true).appendingPathComponent("\(function).log")
    }

    /// Lines not yet written, per function: one write per function every `flushInterval` (or 64 KB)
    /// instead of one per line. A crash of Nimbus loses at most that interval of output.
    private var pending: [String: (service: String, function: String, data: Data)] = [:]
    private var flushScheduled = false
    let flushInterval: Duration = .milliseconds(100)

    package func append(_ lines: [LogLine], service: String, function: String) {
        guard !lines.isEmpty else { return }
        let key = "\(service)/\(function)"
        var entry = pending[key] ?? (service, function, Data())
        for line in lines {
            guard let encoded = try? encoder.encode(line) else { continue }
            entry.data.append(encoded)
            entry.data.append(0x0A)
        }
        pending[key] = entry
        if entry.data.count >= 64 << 10 {
            flush()
        } else if !flushScheduled {
            flushScheduled = true
            let interval = flushInterval
            Task { [weak self] in
                try? await Task.sleep(for: interval)
                await self?.flush()
            }
        }
    }

    /// Lines from the warm lane, which must not wait for this actor: kept under a lock and moved
    /// into `pending` by one task per batch.
    private nonisolated let inbox = Mutex<
        (lines: [(line: LogLine, service: String, function: String)], scheduled: Bool)
    >(
        ([], false))

    package nonisolated func post(_ lines: [LogLine], service: String, function: String) {
        let schedule = inbox.withLock { inbox in
            inbox.lines.append(contentsOf: lines.map { ($0, service, function) })
            defer { inbox.scheduled = true }
            return !inbox.scheduled
        }
        if schedule { Task { await self.drainInbox() } }
    }

    private func drainInbox() {
        let posted = inbox.withLock { inbox in
            defer { inbox = ([], false) }
            return inbox.lines
        }
        for entry in posted { append([entry.line], service: entry.service, function: entry.function) }
    }

    /// Writes every pending line.
    func flush() {
        drainInbox()
        flushScheduled = false
        let batches = pending
        pending = [:]
        for (key, batch) in batches { write(batch.data, key: key, service: batch.service, function: batch.function) }
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
            FileManager.default.createFile(atPath: url.path, contents: nil)
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
