import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerTags(on api: RouterGroup<NimbusRequestContext>) {
        api.post("tag") { request, _ in
            let arn = try await control.tagResource(try await fields(request))
            return FCResponse.json(["resourceArn": .string(arn)])
        }
        // The SDK untags with DELETE and a JSON body, and expects JSON back.
        api.delete("tag") { request, _ in
            let arn = try await control.untagResource(try await fields(request))
            return FCResponse.json(["resourceArn": .string(arn)])
        }
        api.get("tag") { request, _ in
            let (arn, tags) = try await control.resourceTags(Self.query(request)["resourceArn"])
            return FCResponse.json(
                ["resourceArn": .string(arn), "tags": .object(tags.mapValues(JSONValue.string))])
        }
    }
}
