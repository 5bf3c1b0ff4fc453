import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusInvocation

/// FC 3.0's API (2023-03-30): functions at the top level. Each route translates its names into the FC 2.0
/// service and function underneath (``FC3Name``) and calls the same control plane and runner as 2.0.
package struct FC3API: Sendable {
    let management: ManagementAPI
    let functions: FunctionAPI

    package init(management: ManagementAPI, functions: FunctionAPI) {
        self.management = management
        self.functions = functions
    }

    var control: ControlPlane { management.control }

    package func register(on router: Router<NimbusRequestContext>) {
        let api = router.group(RouterPath(APIVersion.fc20230330.prefix))
        registerFunctions(on: api)
        registerInvocations(on: api)
        registerReleases(on: api)
        registerTriggers(on: api)
        registerAsyncTasks(on: api)
        registerConfigs(on: api)
        registerDomains(on: api)
        registerTags(on: api)
        registerInstances(on: api)
        registerLayers(on: api)
        registerNotYetServed(on: api)
    }

    func registerFunctions(on api: RouterGroup<NimbusRequestContext>) {
        api.post("functions") { request, _ in
            let fields = try await management.fields(request)
            let tags = try Self.tagMap(fields["tags"])
            let view = try await control.createFC3Function(fields)
            if !tags.isEmpty {
                do {
                    _ = try await control.tagResource([
                        "resourceArn": .string(control.serviceARN(view.service.name)),
                        "tags": .object(tags.mapValues(JSONValue.string)),
                    ])
                } catch {
                    try await control.deleteFC3Function(view.name)
                    throw error
                }
            }
            changed(view)
            return FCResponse.json(try await render(view, request), etag: view.function.meta.etag)
        }
        api.get("functions") { request, _ in
            let query = ManagementAPI.query(request)
            let given = { (key: String) in query[key].flatMap { $0.isEmpty ? nil : $0 } }
            let filter = FC3FunctionFilter(
                runtime: given("runtime"), functionName: given("functionName"), description: given("description"),
                tags: try Self.tagMap(.array(try Self.jsonArray(given("tags") ?? "[]", "tags"))))
            let page = try await control.listFC3Functions(
                try PageQuery(query: query), fcVersion: query["fcVersion"], filter: filter)
            var items: [[String: JSONValue]] = []
            for view in page.items { items.append(try await render(view, request)) }
            return FCResponse.json(Representations.list("functions", items, nextToken: page.nextToken))
        }
        api.get("functions/:function") { request, context in
            let view = try await control.fc3Function(
                try Self.name(context), qualifier: Self.qualifier(request))
            return FCResponse.json(try await render(view, request), etag: view.function.meta.etag)
        }
        api.put("functions/:function") { request, context in
            let view = try await control.updateFC3Function(try Self.name(context), try await management.fields(request))
            changed(view)
            return FCResponse.json(try await render(view, request), etag: view.function.meta.etag)
        }
        api.delete("functions/:function") { _, context in
            try await control.deleteFC3Function(try Self.name(context))
            return FCResponse.noContent()
        }
        api.get("functions/:function/code") { request, context in
            let view = try await control.fc3Function(try Self.name(context), qualifier: Self.qualifier(request))
            let url = management.codeLinks.url(base: ManagementAPI.baseURL(request), digest: view.function.code.digest)
            return FCResponse.json(["url": .string(url), "checksum": .string(view.function.code.checksum)])
        }
    }

    /// `InvokeFunction`: the 2.0 invocation of the function underneath; an async call is an async task.
    func registerInvocations(on api: RouterGroup<NimbusRequestContext>) {
        let invocations = InvocationAPI(runner: functions.runner, events: functions.events)
        api.post("functions/:function/invocations") { request, context in
            let name = try Self.name(context)
            let address = FC3Name(name)
            do {
                return try await invocations.invoke(
                    request, context,
                    at: FunctionAddress(
                        service: address.service, qualifier: Self.qualifier(request), function: address.function),
                    taskIdHeader: Self.asyncTaskId)
            } catch let error as NimbusError where error.code == .serviceNotFound {
                throw NimbusError(.functionNotFound, "function '\(name)' does not exist")
            }
        }
    }

    func changed(_ view: FC3Function) {
        management.functionChanged(view.service.name, view.function.name)
    }

    /// A function with its tags (its service's, underneath).
    func render(_ view: FC3Function, _ request: Request) async throws -> [String: JSONValue] {
        var fields = FC3Representations.function(view, region: control.region, accountId: control.credentials.accountId)
        let tags = try await control.store.tags(ofService: view.service.name)
        fields["tags"] = .array(
            tags.sorted { $0.key < $1.key }.map { .object(["Key": .string($0.key), "Value": .string($0.value)]) })
        return fields
    }

    /// The `:function` parameter: a 3.0 name, or `service$function` for a 2.0 function.
    static func name(_ context: NimbusRequestContext) throws -> String {
        try ManagementAPI.parameter(context, "function")
    }

    /// `?qualifier=`: LATEST when absent.
    static func qualifier(_ request: Request) -> String {
        let asked = ManagementAPI.query(request)["qualifier"] ?? ""
        return asked.isEmpty ? "LATEST" : asked
    }

    static let asyncTaskId = HTTPField.Name("x-fc-async-task-id")!
}
