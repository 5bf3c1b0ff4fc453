import Foundation

extension ControlPlane {
    // MARK: Versions

    package func publishVersion(service: String, description: String?) async throws(NimbusError) -> VersionRecord {
        try await store.publishVersion(service: service, description: description ?? "", at: Self.wholeSeconds(now()))
    }

    package func version(_ id: String, service: String) async throws(NimbusError) -> VersionRecord {
        _ = try await self.service(service)
        guard let number = Int(id), let record = try await store.version(number, service: service) else {
            throw .versionNotFound(id, service: service)
        }
        return record
    }

    package func listVersions(service: String, _ page: PageQuery, direction: String?) async throws(NimbusError)
        -> Page<VersionRecord>
    {
        let forward: Bool
        switch (direction ?? "BACKWARD").uppercased() {
        case "FORWARD": forward = true
        case "BACKWARD": forward = false
        default: throw .invalidArgument("direction '\(direction ?? "")' must be FORWARD or BACKWARD")
        }
        if let start = page.startName, Int(start) == nil {
            throw .invalidArgument("startKey '\(start)' must be a version id")
        }
        return try await store.listVersions(service: service, page, forward: forward)
    }

    package func deleteVersion(_ id: String, service: String) async throws(NimbusError) {
        _ = try await self.service(service)
        guard let number = Int(id) else { throw .versionNotFound(id, service: service) }
        try await store.deleteVersion(number, service: service)
    }

    // MARK: Aliases

    package func createAlias(service: String, _ fields: [String: JSONValue]) async throws(NimbusError) -> AliasRecord {
        _ = try await self.service(service)
        let name = try Self.requiredName(fields, "aliasName")
        try Validation.resourceName(name, field: "aliasName")
        guard name != "LATEST", !name.allSatisfy(\.isNumber) else {
            throw .invalidArgument("aliasName '\(name)' is reserved: it would read as a version")
        }
        let spec = try AliasSpec(fields: fields, base: nil)
        try spec.validate()
        let record = AliasRecord(meta: newMeta(name: name), serviceName: service, spec: spec)
        try await store.createAlias(record)
        return record
    }

    package func alias(_ name: String, service: String) async throws(NimbusError) -> AliasRecord {
        _ = try await self.service(service)
        guard let record = try await store.alias(named: name, service: service) else {
            throw .aliasNotFound(name, service: service)
        }
        return record
    }

    package func updateAlias(_ name: String, service: String, _ patch: [String: JSONValue], ifMatch: String?)
        async throws(NimbusError) -> AliasRecord
    {
        var record = try await alias(name, service: service)
        record.spec = try AliasSpec(fields: patch, base: record.spec)
        try record.spec.validate()
        record.meta = touch(record.meta)
        try await store.updateAlias(record, ifMatch: ifMatch)
        return record
    }

    package func deleteAlias(_ name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        _ = try await self.service(service)
        try await store.deleteAlias(named: name, service: service, ifMatch: ifMatch)
    }

    package func listAliases(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<AliasRecord> {
        _ = try await self.service(service)
        return try await store.listAliases(service: service, page)
    }

    // MARK: Qualifiers

    /// What a read through `{service}.{qualifier}` sees: nil for LATEST (the live records), else the version's
    /// snapshot (an alias reads its main version).
    package func snapshot(service: String, qualifier: String) async throws(NimbusError) -> ServiceSnapshot? {
        if qualifier == "LATEST" { return nil }
        if qualifier.allSatisfy(\.isNumber) { return try await version(qualifier, service: service).snapshot }
        return try await version(try await alias(qualifier, service: service).spec.versionId, service: service).snapshot
    }

    /// A service as `{service}.{qualifier}` reads it: the live one for LATEST, else the version's snapshot
    /// with the version's own description (the one given to `publish_version`), as FC shows it.
    package func service(_ name: String, qualifier: String) async throws(NimbusError) -> ServiceRecord {
        if qualifier == "LATEST" { return try await service(name) }
        let id =
            qualifier.allSatisfy(\.isNumber) ? qualifier : try await alias(qualifier, service: name).spec.versionId
        let version = try await version(id, service: name)
        var record = version.snapshot.service
        record.spec.description = version.description
        return record
    }

    /// The version a call with this qualifier runs: nil for LATEST, the version itself, or the alias's pick
    /// (`random` in [0, 1) decides a canary split).
    package func resolveQualifier(_ qualifier: String, service: String, random: Double) async throws(NimbusError)
        -> VersionRecord?
    {
        if qualifier == "LATEST" { return nil }
        if qualifier.allSatisfy(\.isNumber) { return try await version(qualifier, service: service) }
        let alias = try await alias(qualifier, service: service)
        return try await version(alias.spec.pick(random), service: service)
    }
}
