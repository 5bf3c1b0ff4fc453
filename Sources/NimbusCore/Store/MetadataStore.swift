/// Where services, functions, triggers, tags and per-function configs are kept.
///
/// Implementations: SQLite (embedded default) and, later, PostgreSQL. Each must pass the contract
/// suite in `NimbusSQLiteTests/StoreContract`. Writes are atomic: a failed call changes nothing.
/// `ifMatch` is an ETag the caller expects; a mismatch throws `PreconditionFailed`.
package protocol MetadataStore: ReleaseStore, LayerStore {
    func createService(_ service: ServiceRecord) async throws(NimbusError)
    func service(named name: String) async throws(NimbusError) -> ServiceRecord?
    func updateService(_ service: ServiceRecord, ifMatch: String?) async throws(NimbusError)
    /// Refused with `ServiceNotEmpty` while the service has functions.
    func deleteService(named name: String, ifMatch: String?) async throws(NimbusError)
    /// `tags`: every pair must match; an empty value matches any value of that key.
    func listServices(_ page: PageQuery, tags: [String: String]) async throws(NimbusError) -> Page<ServiceRecord>

    func createFunction(_ function: FunctionRecord) async throws(NimbusError)
    func function(named name: String, service: String) async throws(NimbusError) -> FunctionRecord?
    func updateFunction(_ function: FunctionRecord, ifMatch: String?) async throws(NimbusError)
    /// Refused with `FunctionNotEmpty` while the function has triggers.
    func deleteFunction(named name: String, service: String, ifMatch: String?) async throws(NimbusError)
    func listFunctions(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<FunctionRecord>

    func createTrigger(_ trigger: TriggerRecord) async throws(NimbusError)
    func trigger(named name: String, function: String, service: String) async throws(NimbusError) -> TriggerRecord?
    func updateTrigger(_ trigger: TriggerRecord, ifMatch: String?) async throws(NimbusError)
    func deleteTrigger(named name: String, function: String, service: String, ifMatch: String?)
        async throws(NimbusError)
    func listTriggers(function: String, service: String, _ page: PageQuery) async throws(NimbusError)
        -> Page<TriggerRecord>

    func tags(ofService service: String) async throws(NimbusError) -> [String: String]
    /// Replaces the service's whole tag map.
    func setTags(_ tags: [String: String], ofService service: String) async throws(NimbusError)

    func putConfig(_ config: FunctionConfigRecord) async throws(NimbusError)
    func config(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction) async throws(NimbusError)
        -> FunctionConfigRecord?
    /// Returns false when there was nothing to delete.
    func deleteConfig(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction) async throws(NimbusError)
        -> Bool
    /// Sorted by `services/<svc>.<q>/functions/<fn>`; the page's names are those paths.
    func listConfigs(_ kind: FunctionConfigRecord.Kind, filter: FunctionConfigFilter, _ page: PageQuery)
        async throws(NimbusError) -> Page<FunctionConfigRecord>
}
