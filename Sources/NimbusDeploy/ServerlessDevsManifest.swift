import Foundation
import NimbusCore
import Yams

/// Serverless Devs' `s.yaml` (edition 1.0.0, component `fc` / `devsapp/fc`): every entry under `services`
/// deploys one function of one service, with its triggers and custom domains.
enum ServerlessDevsManifest {
    static let functionKeys: [String: String] = [
        "name": "", "description": "description", "runtime": "runtime", "handler": "handler",
        "memorySize": "memorySize", "timeout": "timeout", "instanceConcurrency": "instanceConcurrency",
        "environmentVariables": "environmentVariables", "initializer": "initializer",
        "initializationTimeout": "initializationTimeout", "customRuntimeConfig": "customRuntimeConfig",
        "instanceLifecycleConfig": "instanceLifecycleConfig", "caPort": "caPort", "cpu": "cpu", "diskSize": "diskSize",
        "instanceType": "instanceType", "codeUri": "",
    ]
    static let unsupportedFunctionKeys = [
        "layers": "layers are not available", "customContainerConfig": "container images are not run",
        "gpuMemorySize": "no GPUs", "asyncConfiguration": "set async configs through the API",
        "ossBucket": "code comes from codeUri", "ossKey": "code comes from codeUri",
    ]
    static let serviceKeys: Set<String> = [
        "name", "description", "internetAccess", "role", "logConfig", "tracingConfig",
    ]
    static let unsupportedServiceKeys = [
        "vpcConfig": "no VPCs here", "nasConfig": "no NAS here", "ossMountConfig": "no OSS mounts here",
    ]

    static func read(_ root: Node, file: String, directory: URL, environment: [String: String]) throws -> Manifest {
        var cursor = YAMLCursor(file: file, variables: ServerlessDevsFile.variables(root), environment: environment)
        cursor.checkKeys(root, known: ["edition", "name", "access", "vars", "services", "actions"], context: "s.yaml")
        var manifest = Manifest(file: file)
        guard let entries = root["services"]?.mapping else {
            cursor.problem(root, "s.yaml needs a 'services' mapping (one entry per function)")
            throw ManifestErrors(problems: cursor.problems)
        }
        for (key, entry) in entries {
            let project = key.string ?? "?"
            let component = entry["component"]?.string ?? ""
            guard ["fc", "devsapp/fc"].contains(component.split(separator: "@").first.map(String.init) ?? "") else {
                cursor.problem(
                    entry["component"] ?? key,
                    "services.\(project): component '\(component)' is not Function Compute; Nimbus deploys 'fc' or 'devsapp/fc'"
                )
                continue
            }
            guard
                let props = ServerlessDevsFile.props(
                    of: entry, resource: project, context: "services.\(project)", directory: directory,
                    into: &manifest, cursor: &cursor)
            else { continue }
            readProps(props, project: project, directory: directory, into: &manifest, cursor: &cursor)
        }
        return try ServerlessDevsFile.finish(manifest, root: root, directory: directory, cursor: cursor)
    }

    static func readProps(
        _ props: Node, project: String, directory: URL, into manifest: inout Manifest, cursor: inout YAMLCursor
    ) {
        let context = "services.\(project).props"
        cursor.checkKeys(
            props, known: ["region", "service", "function", "triggers", "customDomains"], context: context)
        guard let serviceNode = props["service"], let serviceName = cursor.string(serviceNode["name"]) else {
            cursor.problem(props, "\(context).service.name is required")
            return
        }
        cursor.checkKeys(
            serviceNode, known: serviceKeys, unsupported: unsupportedServiceKeys, context: "\(context).service")
        let serviceIndex = manifest.service(serviceName)
        for key in serviceKeys where key != "name" {
            if let value = serviceNode[key] { manifest.services[serviceIndex].fields[key] = cursor.json(value) }
        }
        guard let functionNode = props["function"] else { return }
        cursor.checkKeys(
            functionNode, known: Set(functionKeys.keys), unsupported: unsupportedFunctionKeys,
            context: "\(context).function")
        guard let functionName = cursor.string(functionNode["name"]) else {
            cursor.problem(functionNode, "\(context).function.name is required")
            return
        }
        guard let codeUri = cursor.string(functionNode["codeUri"]) else {
            cursor.problem(functionNode, "\(context).function.codeUri is required (the folder to deploy)")
            return
        }
        var fields: [String: JSONValue] = [:]
        for (key, apiName) in functionKeys where !apiName.isEmpty {
            if let value = functionNode[key] { fields[apiName] = cursor.json(value) }
        }
        var function = FunctionManifest(
            name: functionName, codeUri: directory.appendingPathComponent(codeUri).standardizedFileURL.path,
            fields: fields)
        for trigger in props["triggers"]?.sequence ?? [] {
            if let parsed = readTrigger(trigger, context: "\(context).triggers", cursor: &cursor) {
                function.triggers.append(parsed)
            }
        }
        manifest.services[serviceIndex].functions.append(function)
        for domain in props["customDomains"]?.sequence ?? [] {
            readDomain(domain, service: serviceName, function: functionName, into: &manifest, cursor: &cursor)
        }
    }

    static func readTrigger(_ node: Node, context: String, cursor: inout YAMLCursor) -> TriggerManifest? {
        cursor.checkKeys(
            node, known: ["name", "type", "config", "qualifier", "role", "sourceArn"], context: context)
        guard let name = cursor.string(node["name"]), let type = cursor.string(node["type"])?.lowercased() else {
            cursor.problem(node, "\(context): a trigger needs name and type")
            return nil
        }
        guard ["http", "timer"].contains(type) else {
            cursor.warn(node["type"], "\(context).\(name): trigger type '\(type)' is not supported by Nimbus; skipped")
            return nil
        }
        let config = node["config"].map { cursor.json($0) } ?? .object([:])
        return TriggerManifest(name: name, type: type, config: config, qualifier: cursor.string(node["qualifier"]))
    }

    static func readDomain(
        _ node: Node, service: String, function: String, into manifest: inout Manifest, cursor: inout YAMLCursor
    ) {
        cursor.checkKeys(
            node, known: ["domainName", "protocol", "routeConfigs", "certConfig"], context: "customDomains")
        guard var name = cursor.string(node["domainName"]) else {
            cursor.problem(node, "customDomains: domainName is required (a host name, or auto)")
            return
        }
        // FC generates one; here `<function>-<service>.<suffix>` (YAMLCursor.autoDomain).
        if name.lowercased() == "auto" { name = cursor.autoDomain("\(function)-\(service)") }
        var routes: [DomainRoute] = []
        for route in node["routeConfigs"]?.sequence ?? [] {
            cursor.checkKeys(
                route, known: ["path", "serviceName", "functionName", "qualifier", "methods"], context: "routeConfigs")
            guard let path = cursor.string(route["path"]) else {
                cursor.problem(route, "routeConfigs: a route needs a path")
                continue
            }
            routes.append(
                DomainRoute(
                    path: path, serviceName: cursor.string(route["serviceName"]) ?? service,
                    functionName: cursor.string(route["functionName"]) ?? function,
                    qualifier: cursor.string(route["qualifier"]),
                    methods: route["methods"]?.sequence?.compactMap { cursor.string($0) }))
        }
        let proto = cursor.string(node["protocol"]) ?? "HTTP"
        manifest.addDomain(name, protocol: proto, routes: routes)
    }
}
