import Foundation

/// Turns what pip or npm printed on a failed install into the lines a person needs: the tool's own error
/// lines, which name the package and the reason.
package enum InstallOutput {
    static let maximumLines = 15

    package static func problem(_ output: String, ecosystem: BuildTarget.Ecosystem, interpreter: String) -> String {
        let lines = output.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }
        switch ecosystem {
        case .python:
            if lines.contains(where: { $0.hasSuffix("No module named pip") }) {
                return "the python3 runtime's interpreter \(interpreter) has no pip: install python3-pip"
            }
            return pick(lines.filter { $0.hasPrefix("ERROR:") }, else: lines)
        case .node:
            let errors = lines.filter {
                ($0.hasPrefix("npm error") || $0.hasPrefix("npm ERR!")) && !$0.contains("A complete log of this run")
            }
            let unreachable = errors.compactMap(registryPackage).first.map {
                "npm cannot fetch '\($0)' from the registry (unreachable from here); use a file: dependency or a local tarball"
            }
            return ([unreachable].compactMap { $0 } + [pick(errors, else: lines)]).joined(separator: "\n")
        }
    }

    /// The tool's error lines if it printed any, else the end of all it printed.
    static func pick(_ errors: [String], else all: [String]) -> String {
        let chosen = errors.isEmpty ? all.filter { !$0.isEmpty }.suffix(maximumLines) : errors.prefix(maximumLines)
        return chosen.joined(separator: "\n")
    }

    /// `lodash` from npm's "request to https://registry.npmjs.org/lodash failed, reason: ...".
    static func registryPackage(_ line: String) -> String? {
        guard let request = line.range(of: "request to "), let failed = line.range(of: " failed") else { return nil }
        guard request.upperBound < failed.lowerBound else { return nil }
        let url = line[request.upperBound..<failed.lowerBound]
        guard let scheme = url.range(of: "://") else { return nil }
        let path = url[scheme.upperBound...].drop(while: { $0 != "/" }).dropFirst()
        guard !path.isEmpty else { return nil }
        return path.removingPercentEncoding ?? String(path)
    }
}
