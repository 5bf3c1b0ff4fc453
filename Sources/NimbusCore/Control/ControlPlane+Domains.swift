import Foundation

extension ControlPlane {
    package func createDomain(_ fields: [String: JSONValue]) async throws(NimbusError) -> CustomDomainRecord {
        // Host names are case-insensitive: stored, matched and shown lowercased (FC accepts `pythonSDK.example.com`).
        let name = try Self.requiredName(fields, "domainName").lowercased()
        try Validation.domainName(name)
        let spec = try FCJSON.decode(CustomDomainSpec.self, from: fields)
        try await validate(spec)
        let time = Self.wholeSeconds(now())
        let record = CustomDomainRecord(domainName: name, spec: spec, createdTime: time, lastModifiedTime: time)
        try await store.createDomain(record)
        return record
    }

    package func domain(_ name: String) async throws(NimbusError) -> CustomDomainRecord {
        guard let record = try await store.domain(named: name.lowercased()) else {
            throw NimbusError(.domainNameNotFound, "custom domain '\(name)' does not exist")
        }
        return record
    }

    /// Fields present replace whole values (`routeConfig` is replaced, not merged), as FC does.
    package func updateDomain(_ name: String, _ patch: [String: JSONValue]) async throws(NimbusError)
        -> CustomDomainRecord
    {
        var record = try await domain(name)
        var specPatch = patch
        specPatch["domainName"] = nil
        let merged = FCJSON.merge(FCJSON.fields(of: record.spec), patch: specPatch)
        record.spec = try FCJSON.decode(CustomDomainSpec.self, from: merged)
        try await validate(record.spec)
        record.lastModifiedTime = Self.wholeSeconds(now())
        try await store.updateDomain(record)
        return record
    }

    package func deleteDomain(_ name: String) async throws(NimbusError) {
        try await store.deleteDomain(named: name.lowercased())
    }

    package func listDomains(_ page: PageQuery) async throws(NimbusError) -> Page<CustomDomainRecord> {
        try await store.listDomains(page)
    }

    /// Field rules, then every route's target: the service, the function and the qualifier must exist.
    func validate(_ spec: CustomDomainSpec) async throws(NimbusError) {
        try spec.validate()
        if spec.servesHTTPS {
            guard let certificates else {
                throw .invalidArgument("protocol HTTPS needs Nimbus to serve HTTPS (start it with an HTTPS port)")
            }
            try certificates.check(spec.certConfig ?? CertConfig())
        }
        for (index, route) in (spec.routeConfig?.routes ?? []).enumerated() {
            let field = "routeConfig.routes[\(index)]"
            guard (try? await function(route.functionName, service: route.serviceName)) != nil else {
                throw .invalidArgument(
                    "\(field): function '\(route.functionName)' does not exist in service '\(route.serviceName)'")
            }
            let qualifier = route.qualifier ?? "LATEST"
            let resolved = try? await resolveQualifier(qualifier, service: route.serviceName, random: 0)
            guard qualifier == "LATEST" || resolved != nil else {
                throw .invalidArgument(
                    "\(field): qualifier '\(qualifier)' is neither a version nor an alias of '\(route.serviceName)'")
            }
        }
    }
}

/// Checks a domain's PEM certificate and key (parsing, and that the key belongs to the certificate).
/// The HTTPS adapter implements it; the core only asks.
package protocol CertificateChecker: Sendable {
    func check(_ config: CertConfig) throws(NimbusError)
}
