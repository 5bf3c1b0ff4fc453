import Foundation
import NimbusCore

/// What `nimbus deploy` will do, decided from the manifest and what the server holds. Pure.
package struct DeployPlan: Sendable {
    package enum Action: String, Sendable { case create, update, unchanged, delete }
    package enum Kind: String, Sendable { case service, function, trigger, domain }

    package struct Step: Sendable {
        package var action: Action
        package var kind: Kind
        /// `service`, `service/function`, `service/function/trigger`, or the domain name.
        package var name: String
        /// The request body to send (create and update).
        package var body: [String: JSONValue]
        /// Why an update: the fields that differ (and `code` when the package changed).
        package var changes: [String]
        /// Sent through FC 3.0's API (a Serverless Devs 3 `fc3` function and its triggers).
        package var fc3 = false
    }

    /// What the server holds for the manifest's resources (nil: absent).
    package struct ServerState: Sendable {
        package var services: [String: [String: JSONValue]] = [:]
        /// `service/function` -> the function as `get_function` answers.
        package var functions: [String: [String: JSONValue]] = [:]
        /// Functions of the manifest's services that the manifest does not name (for `--prune`).
        package var extraFunctions: [String] = []
        package var triggers: [String: [String: JSONValue]] = [:]
        package var domains: [String: [String: JSONValue]] = [:]

        package init() {}
    }

    package var steps: [Step] = []

    package init(manifest: Manifest, server: ServerState, packages: [String: CodePackager.Package], prune: Bool) {
        for service in manifest.services {
            // An FC 3.0 function carries its service's fields itself: no service step.
            if !service.isFC3Function {
                let current = server.services[service.name]
                let changed = Self.differences(service.fields, current)
                steps.append(
                    Step(
                        action: current == nil ? .create : changed.isEmpty ? .unchanged : .update, kind: .service,
                        name: service.name, body: service.fields.merging(["serviceName": .string(service.name)]) { $1 },
                        changes: changed))
            }
            for function in service.functions {
                let key = service.name + "/" + function.name
                let package = packages[key]
                let existing = server.functions[key]
                var changes = Self.differences(function.fields, existing)
                let codeChanged = existing?["codeChecksum"]?.stringValue != package?.checksum
                if codeChanged { changes.append("code") }
                var body = function.fields
                if existing == nil || codeChanged, let package {
                    body["code"] = .object(["zipFile": .string(package.bytes.base64EncodedString())])
                }
                body["functionName"] = .string(function.name)
                steps.append(
                    Step(
                        action: existing == nil ? .create : changes.isEmpty ? .unchanged : .update, kind: .function,
                        name: key, body: body, changes: existing == nil ? [] : changes, fc3: service.isFC3Function))
                for trigger in function.triggers {
                    var fields: [String: JSONValue] = [
                        "triggerType": .string(trigger.type), "triggerConfig": trigger.config,
                    ]
                    if let qualifier = trigger.qualifier { fields["qualifier"] = .string(qualifier) }
                    let current = server.triggers[key + "/" + trigger.name]
                    let changed = Self.differences(fields, current)
                    fields["triggerName"] = .string(trigger.name)
                    steps.append(
                        Step(
                            action: current == nil ? .create : changed.isEmpty ? .unchanged : .update, kind: .trigger,
                            name: key + "/" + trigger.name, body: fields, changes: changed, fc3: service.isFC3Function))
                }
            }
        }
        for domain in manifest.domains {
            let routes: JSONValue = .object([
                "routes": .array(domain.routes.map { .object(FCJSON.fields(of: $0)) })
            ])
            let fields: [String: JSONValue] = ["protocol": .string(domain.protocol), "routeConfig": routes]
            let current = server.domains[domain.domainName]
            let changed = Self.differences(fields, current)
            steps.append(
                Step(
                    action: current == nil ? .create : changed.isEmpty ? .unchanged : .update, kind: .domain,
                    name: domain.domainName, body: fields.merging(["domainName": .string(domain.domainName)]) { $1 },
                    changes: changed))
        }
        if prune {
            for name in server.extraFunctions.sorted() {
                steps.append(Step(action: .delete, kind: .function, name: name, body: [:], changes: []))
            }
        }
    }

    /// The manifest's fields whose values the server does not hold (nulls in the manifest ask for nothing).
    static func differences(_ wanted: [String: JSONValue], _ current: [String: JSONValue]?) -> [String] {
        guard let current else { return [] }
        return wanted.keys.sorted().filter { key in
            guard let value = wanted[key], value != .null else { return false }
            return !same(value, current[key])
        }
    }

    /// Equal as FC would store them: objects compare by their given keys, routes ignore absent optionals.
    static func same(_ wanted: JSONValue, _ current: JSONValue?) -> Bool {
        switch (wanted, current) {
        case (.object(let a), .object(let b)?):
            return a.allSatisfy { key, value in value == .null ? true : same(value, b[key]) }
        case (.array(let a), .array(let b)?):
            return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.string(let a), .string(let b)?):
            return a == b || a.lowercased() == b.lowercased()
        default:
            return wanted == current
        }
    }
}
