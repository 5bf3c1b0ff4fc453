import Foundation

/// Lays out what a built function deploys: its code folder's files (less `.fcignore`) and the installed
/// dependencies, in a folder of its own, so the user's code folder is never written to.
enum BuildOutput {
    /// Made afresh on every build, so a file deleted from the code folder does not linger.
    static func assemble(_ target: BuildTarget) throws {
        let files = FileManager.default
        if files.fileExists(atPath: target.output.path) { try files.removeItem(at: target.output) }
        try files.createDirectory(at: target.output, withIntermediateDirectories: true)
        let ignore = CodePackager.Ignore(root: target.source)
        for relative in try CodePackager.files(under: target.source) where !ignore.matches(relative) {
            // A node_modules the user installed (dev dependencies and all) gives way to the built one.
            if target.ecosystem == .node && (relative.hasPrefix("node_modules/")) { continue }
            try place(target.source.appendingPathComponent(relative), at: relative, in: target.output, link: false)
        }
        let (installed, prefix) =
            target.ecosystem == .node
            ? (target.dependencies.appendingPathComponent("node_modules"), "node_modules/") : (target.dependencies, "")
        for relative in try CodePackager.files(under: installed) where !ignore.matches(prefix + relative) {
            let destination = prefix + relative
            // The user's own file of the same name (a vendored module) wins over an installed one.
            guard !files.fileExists(atPath: target.output.appendingPathComponent(destination).path) else { continue }
            try place(installed.appendingPathComponent(relative), at: destination, in: target.output, link: true)
        }
    }

    /// Hard links for the cached dependencies (the packager only reads them; a copy of numpy on every
    /// deploy would cost more than the zip), copies for the user's code.
    static func place(_ file: URL, at relative: String, in root: URL, link: Bool) throws {
        let destination = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if link {
            do {
                return try FileManager.default.linkItem(at: file, to: destination)
            } catch {
                // Some file systems have no hard links: copy instead.
            }
        }
        try FileManager.default.copyItem(at: file, to: destination)
    }
}
