import Foundation

extension ControlPlane {
    /// The ARN functions use to name a layer version of this server.
    package func layerARN(_ layerName: String, version: Int) -> LayerARN {
        LayerARN(region: region, accountId: credentials.accountId, layerName: layerName, version: version)
    }

    /// Publishes the layer's next version from a body with `code.zipFile` (`Code` from the 2021 SDK),
    /// `description` and `compatibleRuntime`.
    package func publishLayerVersion(_ layerName: String, _ fields: [String: JSONValue]) async throws(NimbusError)
        -> LayerVersionRecord
    {
        try LayerRules.layerName(layerName)
        let description = fields["description"]?.stringValue ?? ""
        guard description.count <= LayerRules.maximumDescription else {
            throw .invalidArgument("description is longer than \(LayerRules.maximumDescription) characters")
        }
        let runtimes = try Self.compatibleRuntime(fields["compatibleRuntime"])
        guard let source = fields["code"] ?? fields["Code"], source != .null else {
            throw .invalidArgument("field 'code' is required")
        }
        let code = try await storeCode(source, expectedChecksum: nil)
        return try await store.publishLayerVersion(
            layerName: layerName, description: description, compatibleRuntime: runtimes, code: code,
            at: Self.wholeSeconds(now()))
    }

    static func compatibleRuntime(_ value: JSONValue?) throws(NimbusError) -> [String] {
        guard let value, value != .null else { throw .invalidArgument("field 'compatibleRuntime' is required") }
        guard let items = value.arrayValue else {
            throw .invalidArgument("field 'compatibleRuntime' must be a list of runtime names")
        }
        var runtimes: [String] = []
        for item in items {
            guard let name = item.stringValue, !name.isEmpty else {
                throw .invalidArgument("field 'compatibleRuntime' must be a list of runtime names")
            }
            runtimes.append(name)
        }
        guard !runtimes.isEmpty else { throw .invalidArgument("field 'compatibleRuntime' must name a runtime") }
        return runtimes
    }

    package func layerVersion(_ layerName: String, version text: String) async throws(NimbusError)
        -> LayerVersionRecord
    {
        let version = try Self.layerVersionNumber(text)
        guard let record = try await store.layerVersion(version, layerName: layerName) else {
            throw NimbusError(.layerNotFound, "layer '\(layerName)' has no version \(version)")
        }
        return record
    }

    /// GetLayerVersionByArn: only this server's region and account hold layers.
    package func layerVersion(arn text: String) async throws(NimbusError) -> LayerVersionRecord {
        let arn = try LayerARN(parsing: text)
        guard let record = try await ownLayerVersion(arn) else {
            throw NimbusError(.layerNotFound, "layer version '\(text)' does not exist")
        }
        return record
    }

    package func listLayerVersions(_ layerName: String, startVersion: String?, limit: Int)
        async throws(NimbusError) -> Page<LayerVersionRecord>
    {
        let start = try startVersion.map { (text) throws(NimbusError) in try Self.layerVersionNumber(text) } ?? 1
        return try await store.listLayerVersions(layerName: layerName, startVersion: start, limit: limit)
    }

    package func listLayers(_ page: PageQuery) async throws(NimbusError) -> Page<LayerVersionRecord> {
        try await store.listLayers(page)
    }

    package func deleteLayerVersion(_ layerName: String, version text: String) async throws(NimbusError) {
        let version = try Self.layerVersionNumber(text)
        try await store.deleteLayerVersion(
            version, layerName: layerName, arn: layerARN(layerName, version: version).description)
    }

    static func layerVersionNumber(_ text: String) throws(NimbusError) -> Int {
        try Bounded.integer(text, "version", in: 1...Int(Int32.max))
    }

    func ownLayerVersion(_ arn: LayerARN) async throws(NimbusError) -> LayerVersionRecord? {
        guard arn.region == region, arn.accountId == credentials.accountId else { return nil }
        return try await store.layerVersion(arn.version, layerName: arn.layerName)
    }

    /// The layers a function names, in its order: each must be a published version of this server, and the
    /// function's zip plus its layers' zips must fit the package limit.
    package func checkLayers(of spec: FunctionSpec, code: CodeInfo) async throws(NimbusError) {
        let names = spec.layers ?? []
        var total = code.size
        for arn in try LayerRules.arns(names) {
            guard let layer = try await ownLayerVersion(arn) else {
                throw .invalidArgument("layer version '\(arn)' does not exist; publish it first")
            }
            total += layer.code.size
        }
        guard total <= self.code.maximumZipBytes else {
            throw .invalidArgument(
                "the code package and its layers are \(total) bytes; the limit is \(self.code.maximumZipBytes) bytes")
        }
        // Layer versions are stored, listed and served, but not yet mounted at /opt in the sandbox: a
        // function that names them would run without their files. Say so rather than accept it.
        guard names.isEmpty else {
            throw NimbusError(
                .notImplemented,
                "layers are published and stored, but Nimbus does not mount them in the sandbox yet; "
                    + "put the dependencies in the code package (nimbus build installs requirements.txt and package.json)"
            )
        }
    }
}
