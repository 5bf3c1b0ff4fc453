import Foundation
import NimbusCore

/// The package.json (and lock file) npm installs from in the build folder, not in the user's code folder.
/// Relative `file:` dependencies are made absolute so they still point where the user meant.
package enum NodeStaging {
    /// What npm needs to install the production dependencies. `devDependencies` go (npm resolves them
    /// even under `--omit=dev`, which reaches for the registry), and so do `scripts` and `workspaces`:
    /// the root package's own scripts expect the code folder, which this is not.
    static let keptFields: Set<String> = [
        "name", "version", "dependencies", "optionalDependencies", "peerDependencies", "peerDependenciesMeta",
        "bundleDependencies", "bundledDependencies", "overrides",
    ]

    package static func packageJSON(_ data: Data, source: URL) throws -> Data {
        guard case .object(let fields) = try decode(data, "package.json") else {
            throw Deployer.Failure(description: "\(source.path)/package.json is not a JSON object")
        }
        var kept: [String: JSONValue] = [:]
        for (key, value) in fields where keptFields.contains(key) {
            kept[key] = key == "name" || key == "version" ? value : absolute(value, source: source, bare: true)
        }
        return try FCJSON.makeEncoder().encode(JSONValue.object(kept))
    }

    package static func lockFile(_ data: Data, source: URL) throws -> Data {
        try FCJSON.makeEncoder().encode(absolute(decode(data, "package-lock.json"), source: source, bare: false))
    }

    static func decode(_ data: Data, _ name: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw Deployer.Failure(description: "\(name) is not valid JSON: \(error)")
        }
    }

    /// Every `file:REL` string under `value` as `file:/ABS`; with `bare`, also npm's bare `./x` and `../x`
    /// specs (a dependency map's values).
    static func absolute(_ value: JSONValue, source: URL, bare: Bool) -> JSONValue {
        switch value {
        case .string(let spec): return .string(absolute(spec, source: source, bare: bare))
        case .array(let items): return .array(items.map { absolute($0, source: source, bare: bare) })
        case .object(let fields): return .object(fields.mapValues { absolute($0, source: source, bare: bare) })
        default: return value
        }
    }

    static func absolute(_ spec: String, source: URL, bare: Bool) -> String {
        let path: String
        if spec.hasPrefix("file:") {
            path = String(spec.dropFirst(5))
        } else if bare && (spec.hasPrefix("./") || spec.hasPrefix("../")) {
            path = spec
        } else {
            return spec
        }
        guard !path.hasPrefix("/"), !path.hasPrefix("~") else { return spec }
        return "file:" + source.appendingPathComponent(path).standardizedFileURL.path
    }
}
