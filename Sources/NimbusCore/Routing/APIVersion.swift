/// The API prefixes Nimbus serves. All take either signature scheme (FC or ACS3-HMAC-SHA256). The two
/// FC 2.0 prefixes differ only in what `ManagementAPI` reads and writes (fc3-api spec section 7); FC 3.0
/// has its own routes over the same control plane (`FC3API`).
package enum APIVersion: String, CaseIterable, Sendable {
    /// FC 2.0 as `aliyun-fc2` speaks it: qualifiers in the path (`services/{s}.{q}`).
    case fc20160815 = "2016-08-15"
    /// FC 2.0 as `alibabacloud_fc_open20210406` speaks it: `?qualifier=`, string `triggerConfig`, `PUT /tag`.
    case fc20210406 = "2021-04-06"
    /// FC 3.0 as `alibabacloud_fc20230330` speaks it: functions at the top level, no services.
    case fc20230330 = "2023-03-30"

    /// The prefixes of FC 2.0's route table.
    package static let fc2: [APIVersion] = [.fc20160815, .fc20210406]

    /// `/2016-08-15`
    package var prefix: String { "/" + rawValue }

    /// The version whose prefix a path starts with.
    package init?(path: String) {
        guard let version = Self.allCases.first(where: { path.hasPrefix($0.prefix + "/") }) else { return nil }
        self = version
    }

    /// Whether a path is the signed API's: everything under a prefix except HTTP-trigger paths, whose
    /// triggers decide for themselves. The one rule the middleware and the warm lane share.
    package static func requiresSignature(_ path: String) -> Bool {
        APIVersion(path: path) != nil && CallRoute.proxyPrefix(of: path) == nil
    }
}
