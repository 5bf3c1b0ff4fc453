import Foundation

/// The management API's behaviour, independent of HTTP: validation, defaults, ids, ETags, ordering of writes.
///
/// Request bodies arrive as canonical JSON fields (see ``FCJSON``); results are records the edge renders.
package struct ControlPlane: Sendable {
    package let store: any MetadataStore
    package let code: any CodeRepository
    package let credentials: Credentials
    package let region: String
    /// Checks HTTPS custom domains' certificates; nil when this server serves no HTTPS.
    package let certificates: (any CertificateChecker)?
    let now: @Sendable () -> Date
    let newID: @Sendable () -> String

    package init(
        store: any MetadataStore, code: any CodeRepository, credentials: Credentials, region: String,
        certificates: (any CertificateChecker)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        newID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.store = store
        self.code = code
        self.credentials = credentials
        self.region = region
        self.certificates = certificates
        self.now = now
        self.newID = newID
    }

    func newMeta(name: String) -> ResourceMeta {
        let time = Self.wholeSeconds(now())
        return ResourceMeta(id: newID(), name: name, createdTime: time, lastModifiedTime: time, etag: newETag())
    }

    func newETag() -> String { newID().replacingOccurrences(of: "-", with: "") }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    func touch(_ meta: ResourceMeta) -> ResourceMeta { meta.touched(at: Self.wholeSeconds(now()), etag: newETag()) }

    /// A required string field of a body, such as `serviceName`.
    static func requiredName(_ fields: [String: JSONValue], _ key: String) throws(NimbusError) -> String {
        guard let value = fields[key], value != .null else { throw .invalidArgument("field '\(key)' is required") }
        guard let name = value.stringValue else { throw .invalidArgument("field '\(key)' must be a string") }
        return name
    }

    // MARK: Services

    package func createService(_ fields: [String: JSONValue]) async throws(NimbusError) -> ServiceRecord {
        let name = try Self.requiredName(fields, "serviceName")
        try Validation.serviceName(name)
        var spec = try FCJSON.decode(ServiceSpec.self, from: fields).withDefaults()
        spec.holdsFC3Function = nil
        let record = ServiceRecord(meta: newMeta(name: name), spec: spec)
        try await store.createService(record)
        return record
    }

    package func service(_ name: String) async throws(NimbusError) -> ServiceRecord {
        guard let record = try await store.service(named: name) else { throw .serviceNotFound(name) }
        return record
    }

    package func updateService(_ name: String, _ patch: [String: JSONValue], ifMatch: String?)
        async throws(NimbusError) -> ServiceRecord
    {
        var record = try await service(name)
        let marker = record.spec.holdsFC3Function
        let merged = FCJSON.merge(FCJSON.fields(of: record.spec), patch: patch)
        record.spec = try FCJSON.decode(ServiceSpec.self, from: merged).withDefaults()
        record.spec.holdsFC3Function = marker
        record.meta = touch(record.meta)
        try await store.updateService(record, ifMatch: ifMatch)
        return record
    }

    package func deleteService(_ name: String, ifMatch: String?) async throws(NimbusError) {
        try await store.deleteService(named: name, ifMatch: ifMatch)
    }

    package func listServices(_ page: PageQuery, tags: [String: String]) async throws(NimbusError)
        -> Page<ServiceRecord>
    {
        try await store.listServices(page, tags: tags)
    }
}
