import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerTags(on api: RouterGroup<NimbusRequestContext>, version: APIVersion) {
        api.post("tag") { request, _ in
            let arn = try await control.tagResource(try await fields(request))
            return FCResponse.json(["resourceArn": .string(arn)])
        }
        // aliyun-fc2 untags with DELETE and a JSON body, and expects JSON back; the 2021-04-06 SDK uses PUT.
        let untag = { @Sendable (request: Request, _: NimbusRequestContext) async throws -> Response in
            let arn = try await control.untagResource(try await fields(request))
            return FCResponse.json(["resourceArn": .string(arn)])
        }
        api.delete("tag", use: untag)
        if version == .fc20210406 { api.put("tag", use: untag) }
        if version == .fc20210406 {
            // `ListTaggedResources`: every tagged service with its tags.
            api.get("tags") { request, _ in
                let page = try await control.taggedServices(try PageQuery(query: Self.query(request)))
                let resources: [JSONValue] = page.items.map { arn, tags in
                    .object(["resourceArn": .string(arn), "tags": .object(tags.mapValues(JSONValue.string))])
                }
                var body: [String: JSONValue] = ["resources": .array(resources)]
                if let token = page.nextToken { body["nextToken"] = .string(token) }
                return FCResponse.json(body)
            }
        }
        api.get("tag") { request, _ in
            let (arn, tags) = try await control.resourceTags(Self.query(request)["resourceArn"])
            return FCResponse.json(
                ["resourceArn": .string(arn), "tags": .object(tags.mapValues(JSONValue.string))])
        }
    }
}
