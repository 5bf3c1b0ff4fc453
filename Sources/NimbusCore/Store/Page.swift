/// A list request's paging: FC's `prefix`, inclusive `startKey`, opaque `nextToken` and `limit`.
package struct PageQuery: Sendable, Equatable {
    package static let defaultLimit = 20
    package static let maximumLimit = 100

    package var prefix: String?
    package var startKey: String?
    package var nextToken: String?
    package var limit: Int

    package init(prefix: String? = nil, startKey: String? = nil, nextToken: String? = nil, limit: Int = defaultLimit) {
        self.prefix = prefix
        self.startKey = startKey
        self.nextToken = nextToken
        self.limit = limit
    }

    /// Reads the paging parameters of a query string; bad values are an `InvalidArgument`.
    package init(query: [String: String], defaultLimit: Int = PageQuery.defaultLimit) throws(NimbusError) {
        self.init(
            prefix: query["prefix"].flatMap { $0.isEmpty ? nil : $0 },
            startKey: query["startKey"].flatMap { $0.isEmpty ? nil : $0 },
            nextToken: query["nextToken"].flatMap { $0.isEmpty ? nil : $0 },
            limit: defaultLimit)
        if let text = query["limit"], !text.isEmpty {
            limit = try Bounded.integer(text, "limit", in: 1...PageQuery.maximumLimit)
        }
    }

    /// Where the page starts: a token overrides `startKey`, the prefix always applies.
    package var startName: String? { nextToken ?? startKey }

    /// Applies the query to names already sorted ascending; stores that can't do it in SQL use this.
    package func apply<T>(to sorted: [T], name: (T) -> String) -> Page<T> {
        var matching = sorted.filter { item in
            let itemName = name(item)
            if let prefix, !itemName.hasPrefix(prefix) { return false }
            if let start = startName, itemName < start { return false }
            return true
        }
        var token: String?
        if matching.count > limit {
            token = name(matching[limit])
            matching = Array(matching.prefix(limit))
        }
        return Page(items: matching, nextToken: token)
    }
}

/// One page of a listing; `nextToken` is nil on the last page.
package struct Page<Item: Sendable>: Sendable {
    package var items: [Item]
    package var nextToken: String?

    package init(items: [Item], nextToken: String?) {
        self.items = items
        self.nextToken = nextToken
    }
}
