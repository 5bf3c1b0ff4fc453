import NimbusCore

/// Custom domains by name, cached until the next metadata write.
struct DomainTable: Sendable {
    let control: ControlPlane
    let changes: ChangeCounter
    let cache = GenerationCache<CustomDomainRecord?>()

    /// The domain when its lookup is cached: `.some(nil)` is a host known not to be a domain, nil a host not
    /// looked up since the last write (the warm lane leaves those to the router, which looks them up).
    func cached(_ host: String) -> CustomDomainRecord?? {
        cache.get(host, generation: changes.current)
    }

    func domain(_ host: String) async throws -> CustomDomainRecord? {
        let generation = changes.current
        if let cached = cache.get(host, generation: generation) { return cached }
        let record = try await control.store.domain(named: host)
        cache.set(host, record, generation: generation)
        return record
    }
}
