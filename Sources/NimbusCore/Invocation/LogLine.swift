import Foundation

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
