import Foundation

/// An alias: a name for a version, optionally sending a share of calls to other versions (canary).
package struct AliasRecord: Sendable, Equatable {
    package var meta: ResourceMeta
    package var serviceName: String
    package var spec: AliasSpec

    package init(meta: ResourceMeta, serviceName: String, spec: AliasSpec) {
        self.meta = meta
        self.serviceName = serviceName
        self.spec = spec
    }

    package var name: String { meta.name }

    /// Every version the alias can send a call to.
    package var versionIds: Set<String> { Set([spec.versionId]).union(spec.additionalVersionWeight.keys) }
}

/// The user-settable fields of an alias.
package struct AliasSpec: Sendable, Equatable {
    package var versionId: String
    package var description: String
    /// Share of calls (0...1) sent to each other version; the rest go to `versionId`.
    package var additionalVersionWeight: [String: Double]

    package init(versionId: String, description: String = "", additionalVersionWeight: [String: Double] = [:]) {
        self.versionId = versionId
        self.description = description
        self.additionalVersionWeight = additionalVersionWeight
    }

    /// Reads `versionId`, `description`, `additionalVersionWeight` from canonical fields, on top of `base`.
    package init(fields: [String: JSONValue], base: AliasSpec?) throws(NimbusError) {
        var spec = base ?? AliasSpec(versionId: "")
        if let value = fields["versionId"], value != .null {
            switch value {
            case .string(let text): spec.versionId = text
            case .number(let number): spec.versionId = String(try number.integer("versionId", in: VersionRecord.ids))
            default: throw .invalidArgument("versionId must be a version id such as \"1\"")
            }
        }
        if let value = fields["description"], value != .null {
            guard let text = value.stringValue else { throw .invalidArgument("description must be a string") }
            spec.description = text
        }
        if let value = fields["additionalVersionWeight"], value != .null {
            guard case .object(let weights) = value else {
                throw .invalidArgument("additionalVersionWeight must be an object of version id to weight")
            }
            var parsed: [String: Double] = [:]
            for (version, weight) in weights {
                guard case .number(let share) = weight else {
                    throw .invalidArgument("additionalVersionWeight.\(version) must be a number from 0 to 1")
                }
                parsed[version] = try share.real("additionalVersionWeight.\(version)", in: 0...1)
            }
            spec.additionalVersionWeight = parsed
        }
        self = spec
    }

    /// Weights within 0...1, summing to at most 1.
    package func validate() throws(NimbusError) {
        guard !versionId.isEmpty else { throw .invalidArgument("field 'versionId' is required") }
        // A weight for the alias's own version is allowed, as FC allows it: its calls go there either way.
        for (version, weight) in additionalVersionWeight {
            guard (0...1).contains(weight) else {
                throw .invalidArgument("additionalVersionWeight.\(version) is \(weight); weights lie from 0 to 1")
            }
        }
        let total = additionalVersionWeight.values.reduce(0, +)
        guard total <= 1 + 1e-9 else {
            throw .invalidArgument("additionalVersionWeight sums to \(total); the weights may sum to at most 1")
        }
    }

    /// The version a call goes to, given a uniform random number in [0, 1).
    package func pick(_ random: Double) -> String {
        var threshold = 0.0
        for (version, weight) in additionalVersionWeight.sorted(by: { $0.key < $1.key }) {
            threshold += weight
            if random < threshold { return version }
        }
        return versionId
    }
}
