import Foundation

extension ChangeTrackingStore {
    package func publishVersion(service: String, description: String, at time: Date) async throws(NimbusError)
        -> VersionRecord
    {
        try await tracked { () async throws(NimbusError) in
            try await base.publishVersion(service: service, description: description, at: time)
        }
    }
    package func version(_ id: Int, service: String) async throws(NimbusError) -> VersionRecord? {
        try await base.version(id, service: service)
    }
    package func listVersions(service: String, _ page: PageQuery, forward: Bool) async throws(NimbusError)
        -> Page<VersionRecord>
    {
        try await base.listVersions(service: service, page, forward: forward)
    }
    package func deleteVersion(_ id: Int, service: String) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.deleteVersion(id, service: service) }
    }

    package func createAlias(_ alias: AliasRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.createAlias(alias) }
    }
    package func alias(named name: String, service: String) async throws(NimbusError) -> AliasRecord? {
        try await base.alias(named: name, service: service)
    }
    package func updateAlias(_ alias: AliasRecord, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.updateAlias(alias, ifMatch: ifMatch) }
    }
    package func deleteAlias(named name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in
            try await base.deleteAlias(named: name, service: service, ifMatch: ifMatch)
        }
    }
    package func listAliases(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<AliasRecord> {
        try await base.listAliases(service: service, page)
    }

    package func createDomain(_ domain: CustomDomainRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.createDomain(domain) }
    }
    package func domain(named name: String) async throws(NimbusError) -> CustomDomainRecord? {
        try await base.domain(named: name)
    }
    package func updateDomain(_ domain: CustomDomainRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.updateDomain(domain) }
    }
    package func deleteDomain(named name: String) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.deleteDomain(named: name) }
    }
    package func listDomains(_ page: PageQuery) async throws(NimbusError) -> Page<CustomDomainRecord> {
        try await base.listDomains(page)
    }
}
