import Foundation
import NimbusClient
import NimbusCore

/// Carries a manifest to a server through the public API: reads what exists, plans, applies.
package struct Deployer: Sendable {
    let client: FCClient
    let endpoint: String
    static let api = "/2016-08-15"

    package init(client: FCClient, endpoint: String) {
        self.client = client
        self.endpoint = endpoint
    }

    /// An answer the deploy cannot go on from, with the server's FC error.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package func plan(_ manifest: Manifest, prune: Bool) async throws -> DeployPlan {
        var packages: [String: CodePackager.Package] = [:]
        for service in manifest.services {
            for function in service.functions {
                do {
                    packages[service.name + "/" + function.name] = try CodePackager.package(function.codeUri)
                } catch {
                    throw Failure(description: "cannot package \(function.codeUri) for \(function.name): \(error)")
                }
            }
        }
        return DeployPlan(manifest: manifest, server: try await state(of: manifest), packages: packages, prune: prune)
    }

    func state(of manifest: Manifest) async throws -> DeployPlan.ServerState {
        var state = DeployPlan.ServerState()
        for service in manifest.services {
            if service.isFC3Function {
                try await fc3State(of: service, into: &state)
                continue
            }
            guard let current = try await get("/services/\(service.name)") else { continue }
            state.services[service.name] = current
            let listed = try await get("/services/\(service.name)/functions?limit=100")
            let names = (listed?["functions"]?.arrayValue ?? []).compactMap { $0.field("functionName")?.stringValue }
            let wanted = Set(service.functions.map(\.name))
            state.extraFunctions += names.filter { !wanted.contains($0) }.map { service.name + "/" + $0 }
            for function in service.functions where names.contains(function.name) {
                let key = service.name + "/" + function.name
                state.functions[key] = try await get("/services/\(service.name)/functions/\(function.name)")
                for trigger in function.triggers {
                    state.triggers[key + "/" + trigger.name] = try await get(
                        "/services/\(service.name)/functions/\(function.name)/triggers/\(trigger.name)")
                }
            }
        }
        for domain in manifest.domains {
            state.domains[domain.domainName] = try await get("/custom-domains/\(domain.domainName)")
        }
        return state
    }

    /// An FC 3.0 function as 2023-03-30 shows it, and its triggers with `triggerConfig` read back as objects.
    func fc3State(of service: ServiceManifest, into state: inout DeployPlan.ServerState) async throws {
        let name = service.name
        guard let current = try await get("/functions/\(name)", api: Self.fc3API) else { return }
        state.functions[name + "/" + name] = current
        for trigger in service.functions.flatMap(\.triggers) {
            guard var fields = try await get("/functions/\(name)/triggers/\(trigger.name)", api: Self.fc3API)
            else { continue }
            if let text = fields["triggerConfig"]?.stringValue {
                // A config that does not parse stays a string: it then differs, and the deploy rewrites it.
                do {
                    fields["triggerConfig"] = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                } catch {}
            }
            state.triggers[name + "/" + name + "/" + trigger.name] = fields
        }
    }

    /// An FC 3.0 step: the function and its triggers under `/2023-03-30/functions`.
    func applyFC3(_ step: DeployPlan.Step, _ parts: [String]) async throws {
        let path = "/functions"
        switch (step.kind, step.action) {
        case (.function, .create): try await send("POST", path, step.body, api: Self.fc3API)
        case (.function, .update):
            try await send("PUT", "\(path)/\(parts[1])", without(step.body, "functionName"), api: Self.fc3API)
        case (.trigger, .create): try await send("POST", "\(path)/\(parts[1])/triggers", step.body, api: Self.fc3API)
        case (.trigger, .update):
            try await send(
                "PUT", "\(path)/\(parts[1])/triggers/\(parts[2])", without(step.body, "triggerName"), api: Self.fc3API)
        default: break
        }
    }

    static let fc3API = "/2023-03-30"

    /// Applies each step in order (services, then functions, then their triggers, then domains).
    package func apply(_ plan: DeployPlan, progress: (DeployPlan.Step) -> Void) async throws {
        for step in plan.steps where step.action != .unchanged {
            progress(step)
            let parts = step.name.split(separator: "/").map(String.init)
            if step.fc3 {
                try await applyFC3(step, parts)
                continue
            }
            switch (step.kind, step.action) {
            case (.service, .create): try await send("POST", "/services", step.body)
            case (.service, .update): try await send("PUT", "/services/\(parts[0])", without(step.body, "serviceName"))
            case (.function, .create): try await send("POST", "/services/\(parts[0])/functions", step.body)
            case (.function, .update):
                try await send("PUT", "/services/\(parts[0])/functions/\(parts[1])", without(step.body, "functionName"))
            case (.function, .delete):
                let triggers = try await get("/services/\(parts[0])/functions/\(parts[1])/triggers")
                for trigger in triggers?["triggers"]?.arrayValue ?? [] {
                    if let name = trigger.field("triggerName")?.stringValue {
                        try await send("DELETE", "/services/\(parts[0])/functions/\(parts[1])/triggers/\(name)", nil)
                    }
                }
                try await send("DELETE", "/services/\(parts[0])/functions/\(parts[1])", nil)
            case (.trigger, .create):
                try await send("POST", "/services/\(parts[0])/functions/\(parts[1])/triggers", step.body)
            case (.trigger, .update):
                try await send(
                    "PUT", "/services/\(parts[0])/functions/\(parts[1])/triggers/\(parts[2])",
                    without(step.body, "triggerName"))
            case (.domain, .create): try await send("POST", "/custom-domains", step.body)
            case (.domain, .update):
                try await send("PUT", "/custom-domains/\(step.name)", without(step.body, "domainName"))
            default: break
            }
        }
    }

    func without(_ body: [String: JSONValue], _ key: String) -> [String: JSONValue] {
        var copy = body
        copy[key] = nil
        return copy
    }

    /// GET that answers nil on 404.
    func get(_ path: String, api: String = Deployer.api) async throws -> [String: JSONValue]? {
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        let reply = try await client.send("GET", api + parts[0], query: parts.count > 1 ? parts[1] : nil)
        if reply.status == 404 { return nil }
        return try decode(reply, "GET \(path)")
    }

    @discardableResult
    func send(_ method: String, _ path: String, _ body: [String: JSONValue]?, api: String = Deployer.api)
        async throws -> [String: JSONValue]?
    {
        let data = try body.map { try FCJSON.makeEncoder().encode(JSONValue.object($0)) }
        let reply = try await client.send(method, api + path, body: data)
        return try decode(reply, "\(method) \(path)")
    }

    func decode(_ reply: FCClient.Reply, _ what: String) throws -> [String: JSONValue]? {
        guard (200..<300).contains(reply.status) else {
            let error = (try? JSONDecoder().decode(JSONValue.self, from: reply.body))
            let code = error?.field("ErrorCode")?.stringValue ?? "HTTP \(reply.status)"
            let message = error?.field("ErrorMessage")?.stringValue ?? String(decoding: reply.body, as: UTF8.self)
            throw Failure(description: "\(what): \(code): \(message)")
        }
        guard !reply.body.isEmpty, case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: reply.body)
        else { return nil }
        return object
    }

    /// Where each HTTP trigger and custom domain answers.
    package func urls(_ manifest: Manifest) -> [String] {
        var urls: [String] = []
        for service in manifest.services {
            for function in service.functions where function.triggers.contains(where: { $0.type == "http" }) {
                urls.append("\(endpoint)\(Self.api)/proxy/\(service.name)/\(function.name)/")
            }
        }
        let port = URL(string: endpoint)?.port.map { ":\($0)" } ?? ""
        for domain in manifest.domains { urls.append("http://\(domain.domainName)\(port)/") }
        return urls
    }
}
