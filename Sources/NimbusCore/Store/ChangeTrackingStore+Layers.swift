import Foundation

extension ChangeTrackingStore {
    package func publishLayerVersion(
        layerName: String, description: String, compatibleRuntime: [String], code: CodeInfo, at time: Date
    ) async throws(NimbusError) -> LayerVersionRecord {
        try await tracked { () async throws(NimbusError) in
            try await base.publishLayerVersion(
                layerName: layerName, description: description, compatibleRuntime: compatibleRuntime, code: code,
                at: time)
        }
    }
    package func layerVersion(_ version: Int, layerName: String) async throws(NimbusError) -> LayerVersionRecord? {
        try await base.layerVersion(version, layerName: layerName)
    }
    package func listLayerVersions(layerName: String, startVersion: Int, limit: Int) async throws(NimbusError)
        -> Page<LayerVersionRecord>
    {
        try await base.listLayerVersions(layerName: layerName, startVersion: startVersion, limit: limit)
    }
    package func listLayers(_ page: PageQuery) async throws(NimbusError) -> Page<LayerVersionRecord> {
        try await base.listLayers(page)
    }
    package func deleteLayerVersion(_ version: Int, layerName: String, arn: String) async throws(NimbusError) {
        try await tracked { () async throws(NimbusError) in
            try await base.deleteLayerVersion(version, layerName: layerName, arn: arn)
        }
    }
}
