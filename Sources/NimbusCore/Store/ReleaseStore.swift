import Foundation

/// Where versions, aliases and custom domains are kept (part of every ``MetadataStore``).
package protocol ReleaseStore: Sendable {
    /// Snapshots the service and its functions at LATEST in one transaction and stores the next version id
    /// (ids are never reused). Refused when nothing was written since the previous version.
    func publishVersion(service: String, description: String, at time: Date) async throws(NimbusError)
        -> VersionRecord
    func version(_ id: Int, service: String) async throws(NimbusError) -> VersionRecord?
    /// `startKey`/`nextToken` are version ids; newest first unless `forward`.
    func listVersions(service: String, _ page: PageQuery, forward: Bool) async throws(NimbusError)
        -> Page<VersionRecord>
    /// Refused while an alias sends calls to the version.
    func deleteVersion(_ id: Int, service: String) async throws(NimbusError)

    func createAlias(_ alias: AliasRecord) async throws(NimbusError)
    func alias(named name: String, service: String) async throws(NimbusError) -> AliasRecord?
    func updateAlias(_ alias: AliasRecord, ifMatch: String?) async throws(NimbusError)
    func deleteAlias(named name: String, service: String, ifMatch: String?) async throws(NimbusError)
    func listAliases(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<AliasRecord>

    func createDomain(_ domain: CustomDomainRecord) async throws(NimbusError)
    func domain(named name: String) async throws(NimbusError) -> CustomDomainRecord?
    func updateDomain(_ domain: CustomDomainRecord) async throws(NimbusError)
    func deleteDomain(named name: String) async throws(NimbusError)
    func listDomains(_ page: PageQuery) async throws(NimbusError) -> Page<CustomDomainRecord>
}
