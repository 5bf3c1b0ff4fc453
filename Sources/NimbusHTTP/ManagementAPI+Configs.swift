import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerConfigs(on api: RouterGroup<NimbusRequestContext>) {
        let function = "services/:service/functions/:function/"
        for (kind, suffix) in [
            (FunctionConfigRecord.Kind.provision, "provision-config"), (.onDemand, "on-demand-config"),
            (.asyncInvoke, "async-invoke-config"),
        ] {
            api.put(RouterPath(function + suffix)) { request, context in
                let record = try await control.putConfig(
                    kind, for: try Self.target(request, context), try await fields(request))
                return FCResponse.json(Representations.config(record, accountId: control.credentials.accountId))
            }
            api.get(RouterPath(function + suffix)) { request, context in
                let target = try Self.target(request, context)
                guard let record = try await control.config(kind, for: target) else {
                    return try Self.missingConfig(kind, target, accountId: control.credentials.accountId)
                }
                let current = kind == .provision ? await provisionedCount(target) : 0
                return FCResponse.json(
                    Representations.config(record, accountId: control.credentials.accountId, current: current))
            }
            if kind != .provision {
                api.delete(RouterPath(function + suffix)) { request, context in
                    let target = try Self.target(request, context)
                    guard try await control.deleteConfig(kind, for: target) else {
                        _ = try Self.missingConfig(kind, target, accountId: control.credentials.accountId)
                        return FCResponse.noContent()
                    }
                    return FCResponse.noContent()
                }
            }
        }
        registerConfigLists(on: api)
    }

    func registerConfigLists(on api: RouterGroup<NimbusRequestContext>) {
        let accountId = control.credentials.accountId
        api.get("provision-configs") { request, _ in
            let query = Self.query(request)
            let filter = FunctionConfigFilter(serviceName: query["serviceName"], qualifier: query["qualifier"])
            let page = try await control.listConfigs(.provision, filter: filter, try PageQuery(query: query))
            return FCResponse.json(
                Representations.list(
                    "provisionConfigs", page.items.map { Representations.config($0, accountId: accountId) },
                    nextToken: page.nextToken))
        }
        api.get("on-demand-configs") { request, _ in
            let query = Self.query(request)
            let page = try await control.listConfigs(
                .onDemand, filter: FunctionConfigFilter(), try PageQuery(query: query, defaultLimit: 100))
            // FC omits `configs` entirely when there are none.
            guard !page.items.isEmpty else { return FCResponse.json([:]) }
            return FCResponse.json(
                Representations.list(
                    "configs", page.items.map { Representations.config($0, accountId: accountId) },
                    nextToken: page.nextToken))
        }
        api.get("services/:service/functions/:function/async-invoke-configs") { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            _ = try await control.function(function, service: service)
            let filter = FunctionConfigFilter(serviceName: service, functionName: function)
            let page = try await control.listConfigs(
                .asyncInvoke, filter: filter, try PageQuery(query: Self.query(request)))
            var body = Representations.list(
                "configs", page.items.map { Representations.config($0, accountId: accountId) }, nextToken: nil)
            body["nextToken"] = .string(page.nextToken ?? "")
            return FCResponse.json(body)
        }
    }

    static func target(_ request: Request, _ context: NimbusRequestContext) throws -> QualifiedFunction {
        let (service, qualifier) = try qualified(request, context)
        return QualifiedFunction(
            serviceName: service, qualifier: qualifier, functionName: try parameter(context, "function"))
    }

    /// A config that was never set: provision reads as target 0; the others are FC's not-found errors.
    static func missingConfig(_ kind: FunctionConfigRecord.Kind, _ target: QualifiedFunction, accountId: String) throws
        -> Response
    {
        switch kind {
        case .provision:
            return FCResponse.json([
                "resource": .string("\(accountId)#\(target.serviceName)#\(target.qualifier)#\(target.functionName)"),
                "target": .number(0), "current": .number(0),
            ])
        case .onDemand:
            throw NimbusError(.onDemandConfigNotFound, "on-demand config for '\(target.resourcePath)' does not exist")
        case .asyncInvoke:
            throw NimbusError(.asyncConfigNotExists, "async invoke config for '\(target.resourcePath)' does not exist")
        case .concurrency:
            throw NimbusError(
                .concurrencyConfigNotFound, "concurrency config for '\(target.functionName)' does not exist")
        }
    }
}
