import Foundation
import NimbusCore
import Yams

/// Funcraft's `template.yml` (ROS, `Aliyun::Serverless-2018-04-03`): services hold functions as named
/// children; functions hold `Events`; custom domains are their own resources.
enum FuncraftManifest {
    static let functionProperties: [String: String] = [
        "Handler": "handler", "Runtime": "runtime", "CodeUri": "", "Description": "description",
        "MemorySize": "memorySize", "Timeout": "timeout", "EnvironmentVariables": "environmentVariables",
        "Initializer": "initializer", "InitializationTimeout": "initializationTimeout",
        "InstanceConcurrency": "instanceConcurrency", "CustomRuntimeConfig": "customRuntimeConfig",
        "CAPort": "caPort", "InstanceType": "instanceType", "InstanceLifecycleConfig": "instanceLifecycleConfig",
    ]
    static let unsupportedFunctionProperties = [
        "Layers": "layers are not available", "CustomContainerConfig": "container images are not run",
        "AsyncConfiguration": "set async configs through the API",
    ]
    static let serviceProperties = ["Description": "description", "InternetAccess": "internetAccess", "Role": "role"]
    static let unsupportedServiceProperties = [
        "VpcConfig": "no VPCs here", "NasConfig": "no NAS here", "LogConfig": "logs stay local",
        "Policies": "no RAM here", "TracingConfig": "no tracing here",
    ]

    static func read(_ root: Node, file: String, directory: URL, environment: [String: String]) throws -> Manifest {
        var cursor = YAMLCursor(file: file, variables: [:], environment: environment)
        cursor.checkKeys(
            root, known: ["ROSTemplateFormatVersion", "Transform", "Resources", "Description", "Parameters"],
            context: "template")
        var manifest = Manifest(file: file)
        guard let resources = root["Resources"]?.mapping else {
            cursor.problem(root, "template.yml needs a 'Resources' mapping")
            throw ManifestErrors(problems: cursor.problems)
        }
        for (key, resource) in resources {
            let name = key.string ?? "?"
            switch resource["Type"]?.string {
            case "Aliyun::Serverless::Service":
                readService(name, resource, directory: directory, into: &manifest, cursor: &cursor)
            case "Aliyun::Serverless::CustomDomain":
                readDomain(name, resource, into: &manifest, cursor: &cursor)
            case let type?:
                cursor.problem(
                    resource["Type"],
                    "Resources.\(name): resource type '\(type)' is not known to Nimbus (Aliyun::Serverless::Service, "
                        + "Aliyun::Serverless::Function under a service, Aliyun::Serverless::CustomDomain)")
            case nil:
                cursor.problem(resource, "Resources.\(name) has no Type")
            }
        }
        manifest.warnings = cursor.warnings
        guard cursor.problems.isEmpty else { throw ManifestErrors(problems: cursor.problems) }
        return manifest
    }

    static func readService(
        _ name: String, _ node: Node, directory: URL, into manifest: inout Manifest, cursor: inout YAMLCursor
    ) {
        let index = manifest.service(name)
        if let properties = node["Properties"] {
            cursor.checkKeys(
                properties, known: Set(serviceProperties.keys), unsupported: unsupportedServiceProperties,
                context: "Resources.\(name).Properties")
            for (key, apiName) in serviceProperties {
                if let value = properties[key] { manifest.services[index].fields[apiName] = cursor.json(value) }
            }
        }
        for (key, child) in node.mapping ?? Node.Mapping([]) {
            guard let functionName = key.string, !["Type", "Properties"].contains(functionName) else { continue }
            guard child["Type"]?.string == "Aliyun::Serverless::Function" else {
                cursor.problem(
                    child["Type"] ?? key,
                    "Resources.\(name).\(functionName): only Aliyun::Serverless::Function may sit inside a service")
                continue
            }
            if let function = readFunction(
                functionName, child, context: "Resources.\(name).\(functionName)", directory: directory,
                cursor: &cursor)
            {
                manifest.services[index].functions.append(function)
            }
        }
    }

    static func readFunction(
        _ name: String, _ node: Node, context: String, directory: URL, cursor: inout YAMLCursor
    ) -> FunctionManifest? {
        cursor.checkKeys(node, known: ["Type", "Properties", "Events", "Metadata"], context: context)
        guard let properties = node["Properties"], let codeUri = cursor.string(properties["CodeUri"]) else {
            cursor.problem(node, "\(context).Properties.CodeUri is required")
            return nil
        }
        cursor.checkKeys(
            properties, known: Set(functionProperties.keys), unsupported: unsupportedFunctionProperties,
            context: "\(context).Properties")
        var fields: [String: JSONValue] = [:]
        for (key, apiName) in functionProperties where !apiName.isEmpty {
            if let value = properties[key] { fields[apiName] = lowerKeys(cursor.json(value)) }
        }
        if let variables = properties["EnvironmentVariables"] {
            fields["environmentVariables"] = cursor.json(variables)
        }
        var function = FunctionManifest(
            name: name, codeUri: directory.appendingPathComponent(codeUri).standardizedFileURL.path, fields: fields)
        for (key, event) in node["Events"]?.mapping ?? Node.Mapping([]) {
            let eventName = key.string ?? "?"
            let type = event["Type"]?.string ?? ""
            let props = event["Properties"]
            switch type {
            case "HTTP":
                var config: [String: JSONValue] = [
                    "authType": .string(cursor.string(props?["AuthType"])?.lowercased() ?? "function"),
                    "methods": .array(
                        (props?["Methods"]?.sequence ?? []).compactMap { cursor.string($0) }.map {
                            .string($0.uppercased())
                        }),
                ]
                if case .array(let methods)? = config["methods"], methods.isEmpty {
                    config["methods"] = .array([.string("GET")])
                }
                function.triggers.append(
                    TriggerManifest(
                        name: eventName, type: "http", config: .object(config),
                        qualifier: cursor.string(props?["Qualifier"])))
            case "Timer":
                var config: [String: JSONValue] = [
                    "cronExpression": .string(cursor.string(props?["CronExpression"]) ?? ""),
                    "enable": .bool(props?["Enable"]?.bool ?? true),
                ]
                if let payload = cursor.string(props?["Payload"]) { config["payload"] = .string(payload) }
                function.triggers.append(
                    TriggerManifest(
                        name: eventName, type: "timer", config: .object(config),
                        qualifier: cursor.string(props?["Qualifier"])))
            default:
                cursor.warn(
                    event["Type"] ?? key,
                    "\(context).Events.\(eventName): event type '\(type)' is not supported by Nimbus; skipped")
            }
        }
        return function
    }

    static func readDomain(_ name: String, _ node: Node, into manifest: inout Manifest, cursor: inout YAMLCursor) {
        let properties = node["Properties"]
        var routes: [DomainRoute] = []
        for (key, route) in properties?["RouteConfig"]?["Routes"]?.mapping ?? Node.Mapping([]) {
            guard let path = key.string, let service = cursor.string(route["ServiceName"]),
                let function = cursor.string(route["FunctionName"])
            else {
                cursor.problem(
                    route,
                    "Resources.\(name).Properties.RouteConfig.Routes: each route needs ServiceName and FunctionName")
                continue
            }
            routes.append(
                DomainRoute(
                    path: path, serviceName: service, functionName: function,
                    qualifier: cursor.string(route["Qualifier"]),
                    methods: route["Methods"]?.sequence?.compactMap { cursor.string($0) }))
        }
        manifest.domains.append(
            DomainManifest(domainName: name, protocol: cursor.string(properties?["Protocol"]) ?? "HTTP", routes: routes)
        )
    }

    /// ROS spells nested keys in PascalCase (`CustomRuntimeConfig: {Command: [...]}`); FC's API wants camelCase.
    static func lowerKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var lowered: [String: JSONValue] = [:]
            for (key, child) in object {
                lowered[key.prefix(1).lowercased() + key.dropFirst()] = lowerKeys(child)
            }
            return .object(lowered)
        case .array(let items): return .array(items.map(lowerKeys))
        default: return value
        }
    }
}
