import Synchronization

/// Counts writes, so caches of resolved functions know when to look again.
package final class ChangeCounter: Sendable {
    private let value = Atomic<UInt64>(0)

    package init() {}

    package var current: UInt64 { value.load(ordering: .acquiring) }

    package func bump() { value.add(1, ordering: .releasing) }
}

/// A store that bumps a ``ChangeCounter`` after every write it forwards. Single-node only: writes
/// made by another node's store are not seen (the PostgreSQL work must add notifications).
package struct ChangeTrackingStore: MetadataStore {
    let base: any MetadataStore
    package let changes: ChangeCounter

    package init(_ base: any MetadataStore, changes: ChangeCounter = ChangeCounter()) {
        self.base = base
        self.changes = changes
    }

    func tracked<T>(_ write: () async throws(NimbusError) -> T) async throws(NimbusError) -> T {
        defer { changes.bump() }
        return try await write()
    }

    package func createService(_ service: ServiceRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.createService(service) }
    }
    package func service(named name: String) async throws(NimbusError) -> ServiceRecord? {
        try await base.service(named: name)
    }
    package func updateService(_ service: ServiceRecord, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.updateService(service, ifMatch: ifMatch) }
    }
    package func deleteService(named name: String, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.deleteService(named: name, ifMatch: ifMatch)
        }
    }
    package func listServices(_ page: PageQuery, tags: [String: String]) async throws(NimbusError)
        -> Page<ServiceRecord>
    {
        try await base.listServices(page, tags: tags)
    }

    package func createFunction(_ function: FunctionRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.createFunction(function) }
    }
    package func function(named name: String, service: String) async throws(NimbusError) -> FunctionRecord? {
        try await base.function(named: name, service: service)
    }
    package func updateFunction(_ function: FunctionRecord, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.updateFunction(function, ifMatch: ifMatch) }
    }
    package func deleteFunction(named name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in
            try await base.deleteFunction(named: name, service: service, ifMatch: ifMatch)
        }
    }
    package func listFunctions(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<FunctionRecord> {
        try await base.listFunctions(service: service, page)
    }

    package func createTrigger(_ trigger: TriggerRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.createTrigger(trigger) }
    }
    package func trigger(named name: String, function: String, service: String) async throws(NimbusError)
        -> TriggerRecord?
    {
        try await base.trigger(named: name, function: function, service: service)
    }
    package func updateTrigger(_ trigger: TriggerRecord, ifMatch: String?) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.updateTrigger(trigger, ifMatch: ifMatch) }
    }
    package func deleteTrigger(named name: String, function: String, service: String, ifMatch: String?)
        async throws(NimbusError)
    {
        try await tracked { () async throws(NimbusError) in
            try await base.deleteTrigger(named: name, function: function, service: service, ifMatch: ifMatch)
        }
    }
    package func listTriggers(function: String, service: String, _ page: PageQuery) async throws(NimbusError)
        -> Page<TriggerRecord>
    {
        try await base.listTriggers(function: function, service: service, page)
    }

    package func tags(ofService service: String) async throws(NimbusError) -> [String: String] {
        try await base.tags(ofService: service)
    }
    package func setTags(_ tags: [String: String], ofService service: String) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.setTags(tags, ofService: service) }
    }

    package func putConfig(_ config: FunctionConfigRecord) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in try await base.putConfig(config) }
    }
    package func config(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction) async throws(NimbusError)
        -> FunctionConfigRecord?
    {
        try await base.config(kind, for: function)
    }
    package func deleteConfig(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction)
        async throws(NimbusError) -> Bool
    {
        try await tracked { () async throws(NimbusError) in try await base.deleteConfig(kind, for: function) }
    }
    package func listConfigs(_ kind: FunctionConfigRecord.Kind, filter: FunctionConfigFilter, _ page: PageQuery)
        async throws(NimbusError) -> Page<FunctionConfigRecord>
    {
        try await base.listConfigs(kind, filter: filter, page)
    }
}
