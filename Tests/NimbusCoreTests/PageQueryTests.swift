import NimbusCore
import Testing

@Suite struct PageQueryTests {
    let names = ["a1", "a2", "a3", "b1", "b2"]

    func page(_ query: PageQuery) -> Page<String> { query.apply(to: names) { $0 } }

    @Test func prefixAndLimit() {
        let first = page(PageQuery(prefix: "a", limit: 2))
        #expect(first.items == ["a1", "a2"])
        #expect(first.nextToken == "a3")
        let second = page(PageQuery(prefix: "a", nextToken: first.nextToken, limit: 2))
        #expect(second.items == ["a3"])
        #expect(second.nextToken == nil)
    }

    @Test func startKeyIsInclusiveAndTokenWins() {
        #expect(page(PageQuery(startKey: "b1")).items == ["b1", "b2"])
        #expect(page(PageQuery(startKey: "a1", nextToken: "b2")).items == ["b2"])
    }

    @Test func exactFitHasNoToken() {
        #expect(page(PageQuery(limit: 5)).nextToken == nil)
    }

    @Test func parsesQueryParameters() throws {
        let query = try PageQuery(query: ["limit": "3", "prefix": "x", "startKey": ""])
        #expect(query.limit == 3)
        #expect(query.prefix == "x")
        #expect(query.startKey == nil)
        for bad in ["0", "101", "ten"] {
            #expect(throws: NimbusError.self) { try PageQuery(query: ["limit": bad]) }
        }
    }
}
