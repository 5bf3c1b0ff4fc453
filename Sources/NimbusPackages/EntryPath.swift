/// Rules for the paths inside a zip: every entry, and every symlink target, stays inside the package.
enum EntryPath {
    /// The entry's path split into safe components, or nil if it is absolute or climbs out.
    static func components(_ path: String) -> [String]? {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("\\"), !path.contains("\0") else { return nil }
        if path.count >= 2, path.dropFirst().first == ":" { return nil }  // C:\ style
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ $0 != ".." && !$0.contains("\\") }) else { return nil }
        return parts.filter { $0 != "." }
    }

    /// Whether a symlink at `entry` pointing to `target` resolves inside the package.
    static func symlinkStaysInside(entry: [String], target: String) -> Bool {
        guard !target.isEmpty, !target.hasPrefix("/") else { return false }
        var resolved = Array(entry.dropLast())
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !resolved.isEmpty else { return false }
                resolved.removeLast()
            default: resolved.append(String(part))
            }
        }
        return true
    }
}
