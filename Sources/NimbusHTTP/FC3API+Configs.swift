import Hummingbird
import NimbusCore

extension FC3API {
    /// Concurrency, async-invoke and provision configs: FC 2.0's function configs under 3.0's names.
    func registerConfigs(on api: RouterGroup<NimbusRequestContext>) {
        let configs: [(FunctionConfigRecord.Kind, String, String)] = [
            (.concurrency, "concurrency", "concurrency-configs"),
            (.asyncInvoke, "async-invoke-config", "async-invoke-configs"),
            (.provision, "provision-config", "provision-configs"),
        ]
        for (kind, suffix, listPath) in configs {
            api.put(RouterPath("functions/:function/" + suffix)) { request, context in
                let (target, name) = try await configTarget(kind, request, context)
                let fields = Self.toCore(kind, try await management.fields(request))
                let record = try await control.putConfig(kind, for: target, fields)
                management.functionChanged(target.serviceName, target.functionName)
                return FCResponse.json(await renderConfig(record, name: name))
            }
            api.get(RouterPath("functions/:function/" + suffix)) { request, context in
                let (target, name) = try await configTarget(kind, request, context)
                guard let record = try await control.config(kind, for: target) else {
                    // devsapp/fc3 reads a 200 without `functionArn` as "no provision config".
                    if kind == .provision { return FCResponse.json(["target": .number(0), "current": .number(0)]) }
                    throw Self.missing(kind, name)
                }
                return FCResponse.json(await renderConfig(record, name: name))
            }
            api.delete(RouterPath("functions/:function/" + suffix)) { request, context in
                let (target, name) = try await configTarget(kind, request, context)
                guard try await control.deleteConfig(kind, for: target) else { throw Self.missing(kind, name) }
                management.functionChanged(target.serviceName, target.functionName)
                return FCResponse.noContent()
            }
            api.get(RouterPath(listPath)) { request, _ in
                let query = ManagementAPI.query(request)
                var filter = FunctionConfigFilter()
                if let name = query["functionName"], !name.isEmpty {
                    let address = try await control.fc3Address(name)
                    filter = FunctionConfigFilter(serviceName: address.service, functionName: address.function)
                }
                let page = try await control.listConfigs(kind, filter: filter, try PageQuery(query: query))
                var items: [[String: JSONValue]] = []
                for record in page.items {
                    let service = try await control.service(record.serviceName)
                    items.append(
                        await renderConfig(record, name: FC3Name.name(service: service, function: record.functionName)))
                }
                let key = kind == .provision ? "provisionConfigs" : "configs"
                return FCResponse.json(Representations.list(key, items, nextToken: page.nextToken))
            }
        }
    }

    /// The function a config route names, at its qualifier (concurrency has none: it is the function's).
    func configTarget(_ kind: FunctionConfigRecord.Kind, _ request: Request, _ context: NimbusRequestContext)
        async throws -> (QualifiedFunction, String)
    {
        let name = try Self.name(context)
        let address = try await control.fc3Address(name)
        let qualifier = kind == .concurrency ? "LATEST" : Self.qualifier(request)
        return (
            QualifiedFunction(serviceName: address.service, qualifier: qualifier, functionName: address.function), name
        )
    }

    /// 3.0's `asyncTask` is 2.0's `statefulInvocation`.
    static func toCore(_ kind: FunctionConfigRecord.Kind, _ fields: [String: JSONValue]) -> [String: JSONValue] {
        guard kind == .asyncInvoke else { return fields }
        var fields = fields
        if let asyncTask = fields.removeValue(forKey: "asyncTask") { fields["statefulInvocation"] = asyncTask }
        return fields
    }

    func renderConfig(_ record: FunctionConfigRecord, name: String) async -> [String: JSONValue] {
        var fields = record.fields
        fields["functionArn"] = .string(
            FC3Representations.arn(name, region: control.region, accountId: control.credentials.accountId))
        switch record.kind {
        case .asyncInvoke:
            fields["asyncTask"] = fields.removeValue(forKey: "statefulInvocation") ?? .bool(false)
            fields["createdTime"] = .string(FCTime.string(record.createdTime))
            fields["lastModifiedTime"] = .string(FCTime.string(record.lastModifiedTime))
        case .provision:
            fields["current"] = .number(
                await management.provisionedCount(
                    QualifiedFunction(
                        serviceName: record.serviceName, qualifier: record.qualifier,
                        functionName: record.functionName)))
        case .concurrency, .onDemand:
            break
        }
        return fields
    }

    static func missing(_ kind: FunctionConfigRecord.Kind, _ name: String) -> NimbusError {
        switch kind {
        case .concurrency:
            NimbusError(.concurrencyConfigNotFound, "concurrency config for function '\(name)' does not exist")
        case .asyncInvoke:
            NimbusError(.asyncConfigNotExists, "async invoke config for function '\(name)' does not exist")
        case .provision, .onDemand:
            NimbusError(.provisionConfigNotFound, "provision config for function '\(name)' does not exist")
        }
    }
}
