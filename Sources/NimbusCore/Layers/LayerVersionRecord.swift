import Foundation

/// One published version of a layer: a zip whose files appear under `/opt` in the functions that name it.
package struct LayerVersionRecord: Sendable, Equatable {
    package var layerName: String
    /// 1, 2, ...: numbered per layer and never reused, even after every version was deleted.
    package var version: Int
    package var description: String
    package var compatibleRuntime: [String]
    package var code: CodeInfo
    package var createTime: Date

    package init(
        layerName: String, version: Int, description: String, compatibleRuntime: [String], code: CodeInfo,
        createTime: Date
    ) {
        self.layerName = layerName
        self.version = version
        self.description = description
        self.compatibleRuntime = compatibleRuntime
        self.code = code
        self.createTime = createTime
    }
}

/// A layer version's ARN, `acs:fc:{region}:{accountId}:layers/{name}/versions/{n}`, as FC prints it and as a
/// function's `layers` field names it.
package struct LayerARN: Sendable, Equatable, CustomStringConvertible {
    package var region: String
    package var accountId: String
    package var layerName: String
    package var version: Int

    package init(region: String, accountId: String, layerName: String, version: Int) {
        self.region = region
        self.accountId = accountId
        self.layerName = layerName
        self.version = version
    }

    /// Parses an ARN; anything else (a wrong shape, a version that is not a positive integer) is an
    /// `InvalidArgument` naming the text.
    package init(parsing text: String) throws(NimbusError) {
        let parts = text.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        let path = parts.count == 5 ? parts[4].split(separator: "/", omittingEmptySubsequences: false) : []
        guard parts.count == 5, parts[0] == "acs", parts[1] == "fc", !parts[2].isEmpty, !parts[3].isEmpty,
            path.count == 4, path[0] == "layers", !path[1].isEmpty, path[2] == "versions"
        else {
            throw .invalidArgument(
                "'\(text)' is not a layer version ARN (acs:fc:REGION:ACCOUNT:layers/NAME/versions/N)")
        }
        guard path[3].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let version = Int(path[3]), version > 0 else {
            throw .invalidArgument("'\(text)' does not end in a layer version number")
        }
        self.init(region: String(parts[2]), accountId: String(parts[3]), layerName: String(path[1]), version: version)
    }

    package var description: String { "acs:fc:\(region):\(accountId):layers/\(layerName)/versions/\(version)" }
}

/// FC's rules for what a function may name in `layers`.
package enum LayerRules {
    /// FC: at most 5 layers per function.
    package static let maximumPerFunction = 5
    /// FC: a layer version's description is at most 256 characters.
    package static let maximumDescription = 256

    /// 1-64 characters of `[A-Za-z0-9_-]`, starting with a letter or `_`.
    package static func layerName(_ name: String) throws(NimbusError) {
        try Validation.resourceName(name, field: "layerName", maxLength: 64)
    }

    /// Parses a function's `layers`: at most five ARNs, no repeats, order kept.
    package static func arns(_ layers: [String]) throws(NimbusError) -> [LayerARN] {
        guard layers.count <= maximumPerFunction else {
            throw .invalidArgument("a function has at most \(maximumPerFunction) layers; \(layers.count) were given")
        }
        var parsed: [LayerARN] = []
        for text in layers {
            let arn = try LayerARN(parsing: text)
            guard arn.description == text else { throw .invalidArgument("write the layer ARN '\(text)' as '\(arn)'") }
            if parsed.contains(where: { $0.layerName == arn.layerName }) {
                throw .invalidArgument("layer '\(arn.layerName)' is named twice in the function's layers")
            }
            parsed.append(arn)
        }
        return parsed
    }
}
