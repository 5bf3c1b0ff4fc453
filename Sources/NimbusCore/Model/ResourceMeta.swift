import Foundation

/// What every stored resource carries besides its user-supplied spec.
package struct ResourceMeta: Sendable, Equatable, Codable {
    package var id: String
    package var name: String
    package var createdTime: Date
    package var lastModifiedTime: Date
    package var etag: String

    package init(id: String, name: String, createdTime: Date, lastModifiedTime: Date, etag: String) {
        self.id = id
        self.name = name
        self.createdTime = createdTime
        self.lastModifiedTime = lastModifiedTime
        self.etag = etag
    }

    /// A copy stamped for a new write: new modification time and ETag.
    package func touched(at now: Date, etag: String) -> ResourceMeta {
        var copy = self
        copy.lastModifiedTime = now
        copy.etag = etag
        return copy
    }
}

/// ISO-8601 UTC with whole seconds, as FC prints `createdTime`.
package enum FCTime {
    package static func string(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}
