import Foundation

extension ControlPlane {
    package func createFunction(service: String, _ fields: [String: JSONValue], codeChecksum: String?)
        async throws(NimbusError) -> FunctionRecord
    {
        _ = try await self.service(service)
        let name = try Self.requiredName(fields, "functionName")
        try Validation.functionName(name)
        let spec = try FCJSON.decode(FunctionSpec.self, from: fields).withDefaults()
        try spec.validate()
        guard let source = fields["code"], source != .null else { throw .invalidArgument("field 'code' is required") }
        if try await store.function(named: name, service: service) != nil {
            throw NimbusError(.functionAlreadyExists, "function '\(name)' already exists in service '\(service)'")
        }
        let code = try await storeCode(source, expectedChecksum: codeChecksum)
        try await checkLayers(of: spec, code: code)
        let record = FunctionRecord(meta: newMeta(name: name), serviceName: service, spec: spec, code: code)
        try await store.createFunction(record)
        return record
    }

    package func function(_ name: String, service: String) async throws(NimbusError) -> FunctionRecord {
        _ = try await self.service(service)
        guard let record = try await store.function(named: name, service: service) else {
            throw .functionNotFound(name, service: service)
        }
        return record
    }

    package func updateFunction(
        _ name: String, service: String, _ patch: [String: JSONValue], ifMatch: String?, codeChecksum: String?
    ) async throws(NimbusError) -> FunctionRecord {
        var record = try await function(name, service: service)
        var specPatch = patch
        specPatch["code"] = nil
        specPatch["functionName"] = nil
        let merged = FCJSON.merge(FCJSON.fields(of: record.spec), patch: specPatch)
        record.spec = try FCJSON.decode(FunctionSpec.self, from: merged).withDefaults()
        try record.spec.validate()
        if let source = patch["code"], source != .null {
            record.code = try await storeCode(source, expectedChecksum: codeChecksum)
        }
        try await checkLayers(of: record.spec, code: record.code)
        record.meta = touch(record.meta)
        try await store.updateFunction(record, ifMatch: ifMatch)
        return record
    }

    package func deleteFunction(_ name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        _ = try await self.service(service)
        try await store.deleteFunction(named: name, service: service, ifMatch: ifMatch)
    }

    package func listFunctions(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<FunctionRecord> {
        _ = try await self.service(service)
        return try await store.listFunctions(service: service, page)
    }

    /// Decodes `code.zipFile`, checks the optional `X-Fc-Code-Checksum`, and stores the package.
    func storeCode(_ source: JSONValue, expectedChecksum: String?) async throws(NimbusError) -> CodeInfo {
        let code = try FCJSON.decode(CodeSource.self, from: source.objectValue ?? [:])
        guard let zipFile = code.zipFile, !zipFile.isEmpty else {
            if code.ossBucketName != nil || code.ossObjectName != nil {
                throw .invalidArgument("code from OSS is not supported by Nimbus; send the package as code.zipFile")
            }
            throw .invalidArgument("field 'code.zipFile' is required")
        }
        guard let bytes = Data(base64Encoded: zipFile, options: .ignoreUnknownCharacters) else {
            throw .invalidArgument("code.zipFile is not valid base64")
        }
        let info = try await self.code.store(zip: Array(bytes))
        if let expectedChecksum, !expectedChecksum.isEmpty, expectedChecksum != info.checksum {
            throw .invalidArgument(
                "X-Fc-Code-Checksum \(expectedChecksum) does not match the package's checksum \(info.checksum)")
        }
        return info
    }
}
