extension ControlPlane {
    package func createTrigger(service: String, function: String, _ fields: [String: JSONValue])
        async throws(NimbusError) -> TriggerRecord
    {
        _ = try await self.function(function, service: service)
        let name = try Self.requiredName(fields, "triggerName")
        try Validation.triggerName(name)
        var spec = try FCJSON.decode(TriggerSpec.self, from: fields)
        spec.description = spec.description ?? ""
        spec = Self.normalised(spec)
        try spec.validate()
        let record = TriggerRecord(meta: newMeta(name: name), serviceName: service, functionName: function, spec: spec)
        try await store.createTrigger(record)
        return record
    }

    package func trigger(_ name: String, function: String, service: String) async throws(NimbusError) -> TriggerRecord {
        _ = try await self.function(function, service: service)
        guard let record = try await store.trigger(named: name, function: function, service: service) else {
            throw .triggerNotFound(name, function: function, service: service)
        }
        return record
    }

    /// Updates `triggerConfig`, `invocationRole`, `qualifier` and `description`; the type is fixed at creation.
    package func updateTrigger(
        _ name: String, function: String, service: String, _ patch: [String: JSONValue], ifMatch: String?
    ) async throws(NimbusError) -> TriggerRecord {
        var record = try await trigger(name, function: function, service: service)
        let editable = patch.filter {
            ["triggerConfig", "invocationRole", "qualifier", "description"].contains($0.key)
        }
        let merged = FCJSON.merge(FCJSON.fields(of: record.spec), patch: editable)
        record.spec = Self.normalised(try FCJSON.decode(TriggerSpec.self, from: merged))
        try record.spec.validate()
        record.meta = touch(record.meta)
        try await store.updateTrigger(record, ifMatch: ifMatch)
        return record
    }

    package func deleteTrigger(_ name: String, function: String, service: String, ifMatch: String?)
        async throws(NimbusError)
    {
        _ = try await self.function(function, service: service)
        try await store.deleteTrigger(named: name, function: function, service: service, ifMatch: ifMatch)
    }

    package func listTriggers(service: String, function: String, _ page: PageQuery) async throws(NimbusError)
        -> Page<TriggerRecord>
    {
        _ = try await self.function(function, service: service)
        return try await store.listTriggers(function: function, service: service, page)
    }

    /// HTTP and timer triggers have no event source: FC reports `sourceArn` as null for them.
    static func normalised(_ spec: TriggerSpec) -> TriggerSpec {
        var spec = spec
        if spec.triggerType == "http" || spec.triggerType == "timer" { spec.sourceArn = nil }
        return spec
    }
}
