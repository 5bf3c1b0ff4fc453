import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Layer versions (`CreateLayerVersion`, `ListLayerVersions`, `Get/DeleteLayerVersion`, `ListLayers`), the same
    /// table under 2016-08-15 and 2021-04-06; FC 3.0 mounts it too (``FC3API``), plus `GetLayerVersionByArn`.
    func registerLayers(on api: RouterGroup<NimbusRequestContext>) {
        api.post("layers/:layer/versions") { request, context in
            let record = try await control.publishLayerVersion(
                try Self.parameter(context, "layer"), try await fields(request))
            return FCResponse.json(layer(record, request))
        }
        api.get("layers/:layer/versions") { request, context in
            let query = Self.query(request)
            let limit = try query["limit"].flatMap { $0.isEmpty ? nil : $0 }.map {
                (text) throws(NimbusError) in try Bounded.integer(text, "limit", in: 1...PageQuery.maximumLimit)
            }
            let page = try await control.listLayerVersions(
                try Self.parameter(context, "layer"),
                startVersion: query["startVersion"].flatMap { $0.isEmpty ? nil : $0 },
                limit: limit ?? PageQuery.defaultLimit)
            var body: [String: JSONValue] = ["layers": .array(page.items.map { .object(layer($0, request)) })]
            if let next = page.nextToken, let number = Double(next) { body["nextVersion"] = .number(number) }
            return FCResponse.json(body)
        }
        api.get("layers/:layer/versions/:version") { request, context in
            let record = try await control.layerVersion(
                try Self.parameter(context, "layer"), version: try Self.parameter(context, "version"))
            return FCResponse.json(layer(record, request))
        }
        api.delete("layers/:layer/versions/:version") { _, context in
            try await control.deleteLayerVersion(
                try Self.parameter(context, "layer"), version: try Self.parameter(context, "version"))
            return FCResponse.noContent()
        }
        api.get("layers") { request, _ in
            let query = Self.query(request)
            // Nimbus has no public or official layers of other accounts: asking for them lists none.
            if query["public"] == "true" || query["official"] == "true" {
                return FCResponse.json(["layers": .array([])])
            }
            let page = try await control.listLayers(try PageQuery(query: query))
            return FCResponse.json(
                Representations.list(
                    "layers", page.items.map { layer($0, request) }, nextToken: page.nextToken))
        }
    }

    /// A layer version as FC prints it; `arn` and `arnV2` are both the full ARN functions name it by.
    func layer(_ record: LayerVersionRecord, _ request: Request) -> [String: JSONValue] {
        let arn = control.layerARN(record.layerName, version: record.version).description
        return [
            "layerName": .string(record.layerName), "version": .number(Double(record.version)),
            "description": .string(record.description),
            "code": .object([
                "repositoryType": .string("Direct"),
                "location": .string(codeLinks.url(base: Self.baseURL(request), digest: record.code.digest)),
            ]),
            // The 2021 SDK reads CreateLayerVersion's size as `codesize`, the other calls' as `codeSize`.
            "codeSize": .number(Double(record.code.size)), "codesize": .number(Double(record.code.size)),
            "codeChecksum": .string(record.code.checksum),
            "createTime": .string(FCTime.string(record.createTime)),
            "compatibleRuntime": .array(record.compatibleRuntime.map(JSONValue.string)),
            "acl": .number(0), "arn": .string(arn), "arnV2": .string(arn), "layerVersionArn": .string(arn),
            "license": .string(""),
        ]
    }
}
