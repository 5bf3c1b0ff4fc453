import Foundation
import NimbusCore

/// What a project's manifest (`s.yaml` or `template.yml`) asks for, in one model whatever the format.
package struct Manifest: Sendable, Equatable {
    package var file: String
    package var services: [ServiceManifest] = []
    package var domains: [DomainManifest] = []
    /// Commands to run before and after the deploy (Serverless Devs' `actions`), in the order written.
    package var actions: [ManifestAction] = []
    /// Unsupported properties that were skipped; the rest deploys.
    package var warnings: [ManifestDiagnostic] = []

    package init(file: String) { self.file = file }

    /// Routes for a domain: a domain named twice keeps the first protocol and all the routes.
    mutating func addDomain(_ name: String, protocol: String, routes: [DomainRoute]) {
        if let index = domains.firstIndex(where: { $0.domainName == name }) {
            domains[index].routes += routes
        } else {
            domains.append(DomainManifest(domainName: name, protocol: `protocol`, routes: routes))
        }
    }

    /// The service named `name`, created empty if the manifest did not mention it before.
    mutating func service(_ name: String) -> Int {
        if let index = services.firstIndex(where: { $0.name == name }) { return index }
        services.append(ServiceManifest(name: name))
        return services.count - 1
    }
}

package struct ServiceManifest: Sendable, Equatable {
    package var name: String
    /// Service fields as FC's API spells them (`description`, `internetAccess`, ...).
    package var fields: [String: JSONValue] = [:]
    package var functions: [FunctionManifest] = []
    /// An FC 3.0 function (Serverless Devs 3's `fc3`): service and function share the name, the service's
    /// fields are the function's, and the deploy goes through the 2023-03-30 API.
    package var isFC3Function = false

    package init(name: String) { self.name = name }
}

package struct FunctionManifest: Sendable, Equatable {
    package var name: String
    /// The folder (or zip) to upload, absolute.
    package var codeUri: String
    /// Function fields as FC's API spells them (`runtime`, `handler`, `memorySize`, ...).
    package var fields: [String: JSONValue]
    package var triggers: [TriggerManifest] = []

    package init(name: String, codeUri: String, fields: [String: JSONValue]) {
        self.name = name
        self.codeUri = codeUri
        self.fields = fields
    }
}

package struct TriggerManifest: Sendable, Equatable {
    package var name: String
    /// `http` or `timer`.
    package var type: String
    package var config: JSONValue
    package var qualifier: String?

    package init(name: String, type: String, config: JSONValue, qualifier: String? = nil) {
        self.name = name
        self.type = type
        self.config = config
        self.qualifier = qualifier
    }
}

package struct DomainManifest: Sendable, Equatable {
    package var domainName: String
    package var `protocol`: String
    package var routes: [DomainRoute]

    package init(domainName: String, protocol: String, routes: [DomainRoute]) {
        self.domainName = domainName
        self.protocol = `protocol`
        self.routes = routes
    }
}

/// A problem in a manifest, where it is and what to do about it.
package struct ManifestDiagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    package var file: String
    package var line: Int
    package var column: Int
    package var message: String

    package init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    package var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A manifest that cannot be deployed: every problem found, each with its place.
package struct ManifestErrors: Error, CustomStringConvertible {
    package var problems: [ManifestDiagnostic]
    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
