import Foundation
import NimbusCore
import NimbusRuntime
import Testing

@Suite struct FunctionLogsTests {
    @Test func linesAreReadBackInOrderAndFilteredByTime() async {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-logs-\(UUID())")
        let logs = FunctionLogs(root: root)
        let t0 = Date(timeIntervalSince1970: 1_000)
        let lines = (0..<5).map {
            LogLine(time: t0.addingTimeInterval(Double($0)), requestId: "r\($0)", instanceId: "i", text: "line \($0)")
        }
        logs.post(lines, service: "s", function: "f")
        #expect(await logs.read(service: "s", function: "f", since: nil, limit: 10).map(\.text).count == 5)
        let recent = await logs.read(service: "s", function: "f", since: t0.addingTimeInterval(2), limit: 10)
        #expect(recent.map(\.requestId) == ["r3", "r4"])
        #expect(await logs.read(service: "s", function: "f", since: nil, limit: 2).map(\.text) == ["line 3", "line 4"])
    }

    @Test func postedLinesReadBackExactlyAndInOrder() async {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-logs-\(UUID())")
        let logs = FunctionLogs(root: root)
        let t0 = Date(timeIntervalSince1970: 1_700_000_000.125)
        let tricky = "quote \" slash \\ newline \n tab \t control \u{01} unicode é 🎉"
        logs.post([LogLine(time: t0, requestId: nil, instanceId: "i-1", text: tricky)], service: "s", function: "f")
        logs.post(
            [LogLine(time: t0.addingTimeInterval(1), requestId: "r-2", instanceId: "i-1", text: "second")],
            service: "s", function: "f")
        let read = await logs.read(service: "s", function: "f", since: nil, limit: 10)
        #expect(read.map(\.text) == [tricky, "second"], "posted lines are read, in order, before they are flushed")
        let posted = read.first { $0.text == tricky }
        #expect(posted?.requestId == nil && posted?.instanceId == "i-1")
        #expect(abs((posted?.time.timeIntervalSince1970 ?? 0) - t0.timeIntervalSince1970) < 0.000_5)
    }

    @Test func aFunctionsLogIsBounded() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-logs-\(UUID())")
        let logs = FunctionLogs(root: root, maximumBytes: 4096)
        for index in 0..<200 {
            logs.post(
                [
                    LogLine(
                        time: Date(), requestId: nil, instanceId: "i",
                        text: String(repeating: "x", count: 100) + "\(index)")
                ],
                service: "s", function: "f")
        }
        await logs.closeAll()
        let folder = root.appendingPathComponent("s")
        let total = try FileManager.default.contentsOfDirectory(atPath: folder.path).reduce(0) { sum, name in
            sum
                + ((try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size]
                    as? Int) ?? 0)
        }
        #expect(total <= 2 * 4096)
        let newest = await logs.read(service: "s", function: "f", since: nil, limit: 1)
        #expect(newest.first?.text.hasSuffix("199") == true)
    }
}
