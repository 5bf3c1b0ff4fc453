import Foundation
import Hummingbird
import NimbusCore

extension FC3API {
    /// Tags v2 (`ResourceType`, `ResourceId`, `Tag` capitalised, as the SDK sends them). A function's tags
    /// are its service's underneath: for a 2.0 function (`service$function`) they are the whole service's.
    func registerTags(on api: RouterGroup<NimbusRequestContext>) {
        api.post("tags-v2") { request, _ in
            let fields = try await management.fields(request)
            let tags = try Self.tagMap(fields["Tag"])
            guard !tags.isEmpty else { throw NimbusError.invalidArgument("field 'Tag' must be a non-empty list") }
            for id in try Self.resourceIds(fields["ResourceId"]) {
                _ = try await control.tagResource([
                    "resourceArn": .string(try await serviceARN(id)), "tags": .object(tags.mapValues(JSONValue.string)),
                ])
            }
            return FCResponse.noContent()
        }
        api.delete("tags-v2") { request, _ in
            let query = ManagementAPI.query(request)
            let keys = try Self.jsonList(query["TagKey"], "TagKey")
            let all = query["All"]?.lowercased() == "true"
            for id in try Self.jsonList(query["ResourceId"], "ResourceId") {
                _ = try await control.untagResource([
                    "resourceArn": .string(try await serviceARN(id)), "tagKeys": .array(keys.map(JSONValue.string)),
                    "all": .bool(all),
                ])
            }
            return FCResponse.noContent()
        }
        api.get("tags-v2") { request, context in
            let query = ManagementAPI.query(request)
            let wanted = try Self.tagFilter(query["Tag"])
            var ids = try Self.jsonList(query["ResourceId"], "ResourceId")
            if ids.isEmpty { ids = try await allFunctionNames() }
            var rows: [JSONValue] = []
            for id in ids {
                let (_, tags) = try await control.resourceTags(try await serviceARN(id))
                // A resource matches when it carries every tag asked for (a key alone: any value).
                guard wanted.allSatisfy({ key, value in tags[key].map { value.isEmpty || $0 == value } ?? false })
                else { continue }
                for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                    rows.append(
                        .object([
                            "ResourceId": .string(id), "ResourceType": .string("function"),
                            "TagKey": .string(key), "TagValue": .string(value),
                        ]))
                }
            }
            let limit = try query["Limit"].map { try Bounded.integer($0, "Limit", in: 1...1000) } ?? 1000
            let start =
                try query["NextToken"].flatMap { $0.isEmpty ? nil : $0 }.map {
                    try Bounded.integer($0, "NextToken", in: 0...rows.count)
                } ?? 0
            var body: [String: JSONValue] = [
                "TagResources": .array(Array(rows[start..<min(rows.count, start + limit)])),
                "RequestId": .string(context.requestId),
            ]
            if start + limit < rows.count { body["NextToken"] = .string(String(start + limit)) }
            return FCResponse.json(body)
        }
    }

    /// Every function's 3.0 name, all pages.
    func allFunctionNames() async throws -> [String] {
        var names: [String] = []
        var page = PageQuery(limit: PageQuery.maximumLimit)
        while true {
            let listed = try await control.listFC3Functions(page, fcVersion: nil)
            names += listed.items.map(\.name)
            guard let next = listed.nextToken else { return names }
            page.nextToken = next
        }
    }

    /// `Tag=[{"Key": k, "Value": v}]` (a JSON list in the query, at most 20).
    static func tagFilter(_ text: String?) throws(NimbusError) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        let items = try jsonArray(text, "Tag")
        guard items.count <= 20 else { throw .invalidArgument("Tag names at most 20 tags") }
        return try tagMap(.array(items))
    }

    /// The service ARN under a function name or a function ARN (`acs:fc:r:a:functions/<name>`).
    func serviceARN(_ id: String) async throws -> String {
        let name = id.hasPrefix("acs:") ? String(id.split(separator: "/").last ?? "") : id
        return control.serviceARN(try await control.fc3Address(name).service)
    }

    /// `[{"Key": k, "Value": v}]` as a map.
    static func tagMap(_ value: JSONValue?) throws(NimbusError) -> [String: String] {
        var tags: [String: String] = [:]
        for item in value?.arrayValue ?? [] {
            guard let key = item["Key"]?.stringValue else {
                throw .invalidArgument("each tag must be {\"Key\": ..., \"Value\": ...}")
            }
            tags[key] = item["Value"]?.stringValue ?? ""
        }
        return tags
    }

    static func resourceIds(_ value: JSONValue?) throws(NimbusError) -> [String] {
        let ids = (value?.arrayValue ?? []).compactMap(\.stringValue)
        guard !ids.isEmpty else { throw .invalidArgument("field 'ResourceId' must be a non-empty list") }
        return ids
    }

    /// A query parameter holding a JSON list of strings (`ResourceId=["a","b"]`), as the 3.0 SDK sends lists.
    static func jsonList(_ text: String?, _ name: String) throws(NimbusError) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return try jsonArray(text, name).compactMap(\.stringValue)
    }

    /// A query parameter holding a JSON list; anything else is the caller's `InvalidArgument`.
    static func jsonArray(_ text: String, _ name: String) throws(NimbusError) -> [JSONValue] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .invalidArgument("\(name) must be a JSON list")
        }
        guard let items = value.arrayValue else { throw .invalidArgument("\(name) must be a JSON list") }
        return items
    }
}
