import Foundation

/// FC's wording for calls that did not end in the function's own result (fc-runtimes spec 1.5).
package enum InvocationMessages {
    package static func timedOut(after seconds: Int, maxMemoryMB: Double) -> String {
        "Function timed out after \(seconds) seconds (maxMemoryUsage: \(format(maxMemoryMB))MB)"
    }

    package static func outOfMemory(limitMB: Int, maxMemoryMB: Double) -> String {
        "Function ran out of memory: the instance exceeded its memorySize of \(limitMB) MB and was stopped "
            + "(maxMemoryUsage: \(format(maxMemoryMB))MB)"
    }

    package static func exitedUnexpectedly(durationMs: Int, maxMemoryMB: Double) -> String {
        "Process exited unexpectedly before completing request (duration: \(durationMs)ms, maxMemoryUsage: "
            + "\(format(maxMemoryMB))MB)"
    }

    /// `{"errorMessage": ...}` as the runtimes print it.
    package static func errorBody(_ message: String, type: String? = nil) -> Data {
        var fields: [String: JSONValue] = ["errorMessage": .string(message)]
        if let type { fields["errorType"] = .string(type) }
        return (try? FCJSON.makeEncoder().encode(JSONValue.object(fields))) ?? Data()
    }

    package static func format(_ megabytes: Double) -> String { String(format: "%.2f", megabytes) }
}
