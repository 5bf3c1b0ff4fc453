import Foundation
import NimbusCore
import Yams

/// Serverless Devs 3's `s.yaml` (edition 3.0.0): entries under `resources`, component `fc3` (one FC 3.0
/// function with its triggers) and `fc3-domain` (a custom domain whose routes name functions).
enum ServerlessDevs3Manifest {
    /// `props` of an `fc3` resource Nimbus reads: FC 3.0's function fields as its API spells them.
    static let functionKeys: Set<String> = [
        "description", "runtime", "handler", "memorySize", "timeout", "instanceConcurrency", "environmentVariables",
        "customRuntimeConfig", "instanceLifecycleConfig", "cpu", "diskSize", "internetAccess", "role", "logConfig",
        "tracingConfig",
    ]
    static let unsupportedFunctionKeys = [
        "layers": "layers are not available", "customContainerConfig": "container images are not run",
        "gpuConfig": "no GPUs", "vpcConfig": "no VPCs here", "nasConfig": "no NAS here",
        "ossMountConfig": "no OSS mounts here", "asyncInvokeConfig": "set async configs through the API",
        "provisionConfig": "set provision configs through the API",
        "concurrencyConfig": "set concurrency configs through the API",
    ]

    static func read(_ root: Node, file: String, directory: URL, environment: [String: String]) throws -> Manifest {
        var variables = ServerlessDevsFile.variables(root)
        // `${resources.<name>.props.<key>}`: another resource's scalar props, as domains name functions.
        for (key, entry) in root["resources"]?.mapping ?? Node.Mapping([]) {
            for (prop, value) in entry["props"]?.mapping ?? Node.Mapping([]) {
                if let name = key.string, let propName = prop.string, let text = value.string {
                    variables["resources.\(name).props.\(propName)"] = text
                }
            }
        }
        var cursor = YAMLCursor(file: file, variables: variables, environment: environment)
        cursor.checkKeys(
            root, known: ["edition", "name", "access", "vars", "resources", "template", "flow", "actions"],
            context: "s.yaml")
        var manifest = Manifest(file: file)
        guard let entries = root["resources"]?.mapping else {
            cursor.problem(root, "s.yaml needs a 'resources' mapping (one entry per function)")
            throw ManifestErrors(problems: cursor.problems)
        }
        for (key, entry) in entries {
            let name = key.string ?? "?"
            // `fc3@dev` names a component version; an empty or odd name must not trap (`"".split` is empty).
            let component = entry["component"]?.string?.split(separator: "@").first.map(String.init) ?? ""
            guard
                let props = ServerlessDevsFile.props(
                    of: entry, resource: name, context: "resources.\(name)", directory: directory, into: &manifest,
                    cursor: &cursor)
            else { continue }
            switch component {
            case "fc3": readFunction(props, context: "resources.\(name).props", directory, &manifest, &cursor)
            case "fc3-domain": readDomain(props, context: "resources.\(name).props", function: nil, &manifest, &cursor)
            default:
                cursor.problem(
                    entry["component"] ?? key,
                    "resources.\(name): component '\(component)' is not Function Compute; Nimbus deploys 'fc3' "
                        + "and 'fc3-domain' (or, in edition 1.0.0 files, 'fc')")
            }
        }
        return try ServerlessDevsFile.finish(manifest, root: root, directory: directory, cursor: cursor)
    }

    static func readFunction(
        _ props: Node, context: String, _ directory: URL, _ manifest: inout Manifest, _ cursor: inout YAMLCursor
    ) {
        cursor.checkKeys(
            props, known: functionKeys.union(["region", "functionName", "code", "triggers", "customDomain"]),
            unsupported: unsupportedFunctionKeys, context: context)
        guard let name = cursor.string(props["functionName"]) else {
            cursor.problem(props, "\(context).functionName is required")
            return
        }
        guard let code = cursor.string(props["code"]) else {
            cursor.problem(props, "\(context).code is required (the folder to deploy)")
            return
        }
        var fields: [String: JSONValue] = [:]
        for key in functionKeys { if let value = props[key] { fields[key] = cursor.json(value) } }
        var function = FunctionManifest(
            name: name, codeUri: directory.appendingPathComponent(code).standardizedFileURL.path, fields: fields)
        for trigger in props["triggers"]?.sequence ?? [] {
            if let parsed = readTrigger(trigger, context: "\(context).triggers", &cursor) {
                function.triggers.append(parsed)
            }
        }
        let index = manifest.service(name)
        manifest.services[index].isFC3Function = true
        manifest.services[index].functions = [function]
        if let domain = props["customDomain"] {
            readDomain(domain, context: "\(context).customDomain", function: name, &manifest, &cursor)
        }
    }

    static func readTrigger(_ node: Node, context: String, _ cursor: inout YAMLCursor) -> TriggerManifest? {
        cursor.checkKeys(
            node,
            known: [
                "triggerName", "triggerType", "triggerConfig", "qualifier", "invocationRole", "sourceArn",
                "description",
            ],
            context: context)
        guard let name = cursor.string(node["triggerName"]), let type = cursor.string(node["triggerType"])?.lowercased()
        else {
            cursor.problem(node, "\(context): a trigger needs triggerName and triggerType")
            return nil
        }
        guard ["http", "timer"].contains(type) else {
            cursor.warn(
                node["triggerType"], "\(context).\(name): trigger type '\(type)' is not supported by Nimbus; skipped")
            return nil
        }
        let config = node["triggerConfig"].map { cursor.json($0) } ?? .object([:])
        return TriggerManifest(name: name, type: type, config: config, qualifier: cursor.string(node["qualifier"]))
    }

    /// An `fc3-domain` resource, or an `fc3` function's own `customDomain` (its `route` names the function).
    static func readDomain(
        _ props: Node, context: String, function owner: String?, _ manifest: inout Manifest,
        _ cursor: inout YAMLCursor
    ) {
        cursor.checkKeys(
            props,
            known: [
                "region", "domainName", "protocol", "routeConfig", "route", "certConfig", "tlsConfig", "authConfig",
            ],
            context: context)
        guard var domainName = cursor.string(props["domainName"]) else {
            cursor.problem(props, "\(context).domainName is required (a host name, or auto)")
            return
        }
        var routes: [DomainRoute] = []
        let given = props["routeConfig"]?["routes"]?.sequence ?? props["route"].map { [$0] } ?? []
        for route in given {
            cursor.checkKeys(
                route, known: ["path", "functionName", "qualifier", "methods", "rewriteConfig"],
                context: "\(context).routeConfig.routes")
            guard let path = cursor.string(route["path"]), let function = cursor.string(route["functionName"]) ?? owner
            else {
                cursor.problem(route, "\(context).routeConfig.routes: a route needs path and functionName")
                continue
            }
            let address = FC3Name(function)
            routes.append(
                DomainRoute(
                    path: path, serviceName: address.service, functionName: address.function,
                    qualifier: cursor.string(route["qualifier"]),
                    methods: route["methods"]?.sequence?.compactMap { cursor.string($0) }))
        }
        if domainName.lowercased() == "auto" {
            // FC makes one per function; here `<function>.<suffix>`, named after the first route's function.
            let label = routes.first.map { route in
                route.serviceName == route.functionName
                    ? route.functionName : "\(route.functionName)-\(route.serviceName)"
            }
            domainName = cursor.autoDomain(label ?? owner ?? "app")
        }
        let proto = cursor.string(props["protocol"]) ?? "HTTP"
        manifest.addDomain(domainName, protocol: proto, routes: routes)
    }
}
