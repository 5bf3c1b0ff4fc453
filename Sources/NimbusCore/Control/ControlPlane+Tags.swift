extension ControlPlane {
    package static let maximumTags = 20

    /// `acs:fc:{region}:{accountId}:services/{name}` for a service of this account.
    package func serviceARN(_ service: String) -> String {
        "acs:fc:\(region):\(credentials.accountId):services/\(service)"
    }

    /// The service a tag call names; only services are taggable, as in FC.
    func taggedService(_ arn: String?) async throws(NimbusError) -> String {
        guard let arn, !arn.isEmpty else { throw .invalidArgument("field 'resourceArn' is required") }
        let parts = arn.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "acs", parts[1] == "fc", parts[4].hasPrefix("services/") else {
            throw .invalidArgument(
                "resourceArn '\(arn)' is not a service ARN (acs:fc:<region>:<account>:services/<name>)")
        }
        guard parts[3] == credentials.accountId || parts[3] == "*" else {
            throw .invalidArgument("resourceArn '\(arn)' names another account")
        }
        let name = String(parts[4].dropFirst("services/".count))
        _ = try await service(name)
        return name
    }

    package func tagResource(_ fields: [String: JSONValue]) async throws(NimbusError) -> String {
        let service = try await taggedService(fields["resourceArn"]?.stringValue)
        guard let tags = fields["tags"]?.objectValue, !tags.isEmpty else {
            throw .invalidArgument("field 'tags' must be a non-empty object")
        }
        var current = try await store.tags(ofService: service)
        for (key, value) in tags {
            guard !key.isEmpty, key.utf8.count <= 128, !key.hasPrefix("acs:"), !key.hasPrefix("aliyun") else {
                throw .invalidArgument("tag key '\(key)' is invalid")
            }
            guard let text = value.stringValue, text.utf8.count <= 256 else {
                throw .invalidArgument("tag '\(key)' must have a string value of at most 256 characters")
            }
            current[key] = text
        }
        guard current.count <= Self.maximumTags else {
            throw NimbusError(.limitExceeded, "a resource can carry at most \(Self.maximumTags) tags")
        }
        try await store.setTags(current, ofService: service)
        return serviceARN(service)
    }

    package func untagResource(_ fields: [String: JSONValue]) async throws(NimbusError) -> String {
        let service = try await taggedService(fields["resourceArn"]?.stringValue)
        let keys = (fields["tagKeys"]?.arrayValue ?? []).compactMap(\.stringValue)
        if case .bool(true)? = fields["all"] {
            try await store.setTags([:], ofService: service)
        } else {
            guard !keys.isEmpty else { throw .invalidArgument("give 'tagKeys' or set 'all' to true") }
            var current = try await store.tags(ofService: service)
            for key in keys { current[key] = nil }
            try await store.setTags(current, ofService: service)
        }
        return serviceARN(service)
    }

    package func resourceTags(_ arn: String?) async throws(NimbusError) -> (arn: String, tags: [String: String]) {
        let service = try await taggedService(arn)
        return (serviceARN(service), try await store.tags(ofService: service))
    }

    /// Services that carry tags, by name, as (ARN, tags).
    package func taggedServices(_ page: PageQuery) async throws(NimbusError) -> Page<(String, [String: String])> {
        var tagged: [(name: String, tags: [String: String])] = []
        for service in try await allServices() {
            let tags = try await store.tags(ofService: service.name)
            if !tags.isEmpty { tagged.append((service.name, tags)) }
        }
        let chosen = page.apply(to: tagged, name: \.name)
        return Page(items: chosen.items.map { (serviceARN($0.name), $0.tags) }, nextToken: chosen.nextToken)
    }
}
