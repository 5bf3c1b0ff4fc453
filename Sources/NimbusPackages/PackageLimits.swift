/// Bounds on a code package, FC's by default.
package struct PackageLimits: Sendable {
    /// The zip file itself (FC: 100 MB through the API).
    package var maximumZipBytes: Int = 100 * 1024 * 1024
    /// All files once extracted (FC: 500 MB); counted while extracting, not trusted from headers.
    package var maximumExtractedBytes: Int = 500 * 1024 * 1024
    package var maximumEntries: Int = 65_536

    package init() {}
}
