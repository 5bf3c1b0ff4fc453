import NimbusCore
import Testing

@Suite struct GenerationCacheTests {
    @Test func aNewerGenerationEmptiesTheCacheAndAnOlderOneIsDropped() {
        let cache = GenerationCache<String>()
        cache.set("a", "one", generation: 1)
        #expect(cache.get("a", generation: 1) == "one")
        cache.set("b", "two", generation: 2)
        #expect(cache.get("a", generation: 2) == nil, "a write since: entries of generation 1 are gone")
        cache.set("c", "late", generation: 1)  // a read that began before the write finished after it
        #expect(cache.get("b", generation: 2) == "two", "the late read must not empty the newer entries")
        #expect(cache.get("c", generation: 1) == nil && cache.get("c", generation: 2) == nil)
    }
}
