import Foundation
import Hummingbird
import NimbusCore
import NimbusInvocation

extension FC3API {
    /// `ListInstances`: the function's live instances; `?qualifier=` keeps those of the versions it runs
    /// (an alias's main and canary versions), `instanceIds` (a JSON list, as the 3.0 SDK sends lists) those.
    func registerInstances(on api: RouterGroup<NimbusRequestContext>) {
        api.get("functions/:function/instances") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let query = ManagementAPI.query(request)
            let asked = query["qualifier"].flatMap { $0.isEmpty ? nil : $0 }
            var versions: Set<String>?
            if let asked {
                _ = try await functions.runner.deployment(
                    service: address.service, qualifier: asked, function: address.function)
                versions =
                    asked == "LATEST" || asked.allSatisfy(\.isNumber)
                    ? [asked] : try await control.alias(asked, service: address.service).versionIds
            }
            let ids = Set(try Self.jsonList(query["instanceIds"], "instanceIds"))
            let running = await functions.runner.instances(service: address.service, function: address.function)
            let items: [JSONValue] = running.filter { instance in
                (versions?.contains(instance.versionId) ?? true) && (ids.isEmpty || ids.contains(instance.id))
            }.map { instance in
                .object([
                    "instanceId": .string(instance.id), "versionId": .string(instance.versionId),
                    "qualifier": .string(asked ?? instance.versionId), "status": .string(instance.state),
                    "createdTimeMs": .number((instance.createdAt.timeIntervalSince1970 * 1000).rounded()),
                ])
            }
            return FCResponse.json(["instances": .array(items), "requestId": .string(context.requestId)])
        }
    }
}
