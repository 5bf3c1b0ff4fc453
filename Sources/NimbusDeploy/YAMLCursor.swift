import Foundation
import NimbusCore
import Yams

/// Reads a YAML node for a manifest: typed fields, `${...}` references resolved, problems collected with
/// their line and column.
struct YAMLCursor {
    let file: String
    let variables: [String: String]
    let environment: [String: String]
    var problems: [ManifestDiagnostic] = []
    var warnings: [ManifestDiagnostic] = []

    mutating func problem(_ node: Node?, _ message: String) {
        problems.append(diagnostic(node, message))
    }

    mutating func warn(_ node: Node?, _ message: String) {
        warnings.append(diagnostic(node, message))
    }

    func diagnostic(_ node: Node?, _ message: String) -> ManifestDiagnostic {
        ManifestDiagnostic(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message)
    }

    /// Checks a mapping's keys against the known ones; unknown keys get a suggestion, unsupported ones a warning.
    mutating func checkKeys(
        _ node: Node, known: Set<String>, unsupported: [String: String] = [:], context: String
    ) {
        guard let mapping = node.mapping else { return }
        for (key, value) in mapping {
            guard let name = key.string, !known.contains(name) else { continue }
            if let why = unsupported[name] {
                warn(key, "\(context).\(name) is not supported by Nimbus (\(why)); skipped, the rest deploys")
            } else {
                let hint = Self.closest(name, in: known).map { "; did you mean '\($0)'?" } ?? ""
                problem(key, "unknown property \(context).\(name)\(hint)")
            }
            _ = value
        }
    }

    /// The host name for `domainName: auto`, which FC generates: `<label>.<suffix>`, the suffix
    /// `NIMBUS_AUTO_DOMAIN_SUFFIX` (`localhost` by default, so it resolves to this machine without DNS).
    func autoDomain(_ label: String) -> String {
        let suffix = environment["NIMBUS_AUTO_DOMAIN_SUFFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        let host = String(label.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        return host.trimmingCharacters(in: CharacterSet(charactersIn: "-")) + "." + suffix.lowercased()
    }

    /// A scalar with `${env(NAME)}`, `${env.NAME}` and `${vars.NAME}` replaced.
    mutating func string(_ node: Node?) -> String? {
        guard let text = node?.string else { return nil }
        return substitute(text, node)
    }

    mutating func substitute(_ text: String, _ node: Node?) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let reference = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            result += resolve(reference, node)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    mutating func resolve(_ reference: String, _ node: Node?) -> String {
        if reference.hasPrefix("env(") && reference.hasSuffix(")") {
            let name = reference.dropFirst(4).dropLast().trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
            return lookup(environment, name, "environment variable", node)
        }
        if reference.hasPrefix("env.") {
            return lookup(environment, String(reference.dropFirst(4)), "environment variable", node)
        }
        if reference.hasPrefix("vars.") {
            return lookup(variables, String(reference.dropFirst(5)), "variable under vars", node)
        }
        if reference.hasPrefix("resources.") {
            return lookup(variables, reference, "scalar resource property", node)
        }
        problem(node, "unsupported reference ${\(reference)}: use ${env(NAME)}, ${env.NAME} or ${vars.NAME}")
        return ""
    }

    mutating func lookup(_ table: [String: String], _ name: String, _ kind: String, _ node: Node?) -> String {
        guard let value = table[name] else {
            problem(node, "\(kind) '\(name)' is not set")
            return ""
        }
        return value
    }

    /// Any YAML value as JSON, strings with references resolved, numbers and booleans kept as such.
    mutating func json(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map { json($0) })
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let bool = node.bool { return .bool(bool) }
                if let int = node.int { return .number(Double(int)) }
                if let double = node.float { return .number(double) }
                if node.null != nil { return .null }
            }
            let text = substitute(scalar.string, node)
            // `memorySize: ${vars.memory}` is a number once the reference is resolved
            if scalar.style == .plain, scalar.string.hasPrefix("${"), scalar.string.hasSuffix("}") {
                if let number = Double(text) { return .number(number) }
                if text == "true" || text == "false" { return .bool(text == "true") }
            }
            return .string(text)
        case .alias:
            return .null
        }
    }

    /// The nearest known word by edit distance, if it is close enough to be a likely typo.
    static func closest(_ word: String, in candidates: Set<String>) -> String? {
        let lower = word.lowercased()
        let scored = candidates.map { ($0, distance(lower, $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, word.count / 3) else { return nil }
        return best
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        var previous = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
