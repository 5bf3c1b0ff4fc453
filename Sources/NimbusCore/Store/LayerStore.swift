import Foundation

/// Where layer versions are kept (part of every ``MetadataStore``).
package protocol LayerStore: Sendable {
    /// Stores the layer's next version (ids are never reused) and returns it.
    func publishLayerVersion(
        layerName: String, description: String, compatibleRuntime: [String], code: CodeInfo, at time: Date
    ) async throws(NimbusError) -> LayerVersionRecord
    func layerVersion(_ version: Int, layerName: String) async throws(NimbusError) -> LayerVersionRecord?
    /// Oldest first from `startVersion`; `nextToken` of the page is the next version's number.
    func listLayerVersions(layerName: String, startVersion: Int, limit: Int) async throws(NimbusError)
        -> Page<LayerVersionRecord>
    /// The newest version of each layer, by layer name (FC's `prefix`, `startKey`, `nextToken`).
    func listLayers(_ page: PageQuery) async throws(NimbusError) -> Page<LayerVersionRecord>
    /// Refused with `LayerVersionInUse` while a function (at LATEST or in a published version) names `arn`,
    /// the version's ARN as functions spell it; `LayerNotFound` when there is no such version.
    func deleteLayerVersion(_ version: Int, layerName: String, arn: String) async throws(NimbusError)
}
