/// Validates and keeps function code packages. The file-system implementation is in `NimbusPackages`.
package protocol CodeRepository: Sendable {
    /// Checks a zip (structure, paths, sizes) and stores it; bad packages are an `InvalidArgument`.
    func store(zip: [UInt8]) async throws(NimbusError) -> CodeInfo
    /// The largest zip accepted; a function's code and its layers' zips together stay under it.
    var maximumZipBytes: Int { get }
}
