import Foundation

/// An FC 3.0 function name, and the FC 2.0 service and function it is underneath (one model, two views).
/// A function created through 3.0 is service `F` holding function `F`; a 2.0 function is
/// `service$function`, as FC lists 2.0 functions in 3.0 (fc3-api spec 8).
package struct FC3Name: Sendable, Equatable {
    package var service: String
    package var function: String

    package init(_ name: String) {
        if let dollar = name.firstIndex(of: "$") {
            service = String(name[..<dollar])
            function = String(name[name.index(after: dollar)...])
        } else {
            service = name
            function = name
        }
    }

    package init(service: String, function: String) {
        self.service = service
        self.function = function
    }

    /// The name 3.0 shows for `function` in `service`.
    package static func name(service: ServiceRecord, function: String) -> String {
        service.spec.holdsFC3Function == true && service.name == function ? function : "\(service.name)$\(function)"
    }
}

/// One function as FC 3.0 shows it: its service's settings and its own.
package struct FC3Function: Sendable {
    package var name: String
    package var service: ServiceRecord
    package var function: FunctionRecord
}

extension ControlPlane {
    /// `CreateFunction`: the service and the function, or neither.
    package func createFC3Function(_ fields: [String: JSONValue]) async throws(NimbusError) -> FC3Function {
        let name = try Self.requiredName(fields, "functionName")
        try Validation.functionName(name)
        let (serviceFields, functionFields) = FC3Fields.toCore(fields)
        let spec = try FCJSON.decode(FunctionSpec.self, from: functionFields).withDefaults()
        try spec.validate()
        var serviceSpec = try FCJSON.decode(ServiceSpec.self, from: serviceFields).withDefaults()
        serviceSpec.holdsFC3Function = true
        let service = ServiceRecord(meta: newMeta(name: name), spec: serviceSpec)
        do {
            try await store.createService(service)
        } catch  where error.code == .serviceAlreadyExists {
            throw NimbusError(.functionAlreadyExists, "function '\(name)' already exists")
        }
        do {
            let function = try await createFunction(service: name, functionFields, codeChecksum: nil)
            return FC3Function(name: name, service: service, function: function)
        } catch {
            do {
                try await deleteService(name, ifMatch: nil)
            } catch let cleanup {
                throw NimbusError(
                    .internalServerError,
                    "\(error.message); and the half-created function '\(name)' could not be removed: \(cleanup.message)"
                )
            }
            throw error
        }
    }

    /// `GetFunction`, LATEST or as a version or alias holds it.
    package func fc3Function(_ name: String, qualifier: String = "LATEST") async throws(NimbusError) -> FC3Function {
        let address = FC3Name(name)
        let service = try await fc3Service(name)
        if let snapshot = try await self.snapshot(service: address.service, qualifier: qualifier) {
            guard let function = snapshot.function(named: address.function) else { throw Self.fc3NotFound(name) }
            return FC3Function(name: name, service: snapshot.service, function: function)
        }
        guard let function = try await store.function(named: address.function, service: address.service) else {
            throw Self.fc3NotFound(name)
        }
        return FC3Function(
            name: FC3Name.name(service: service, function: function.name), service: service, function: function)
    }

    /// `UpdateFunction`: a partial update of the service's fields and the function's.
    package func updateFC3Function(_ name: String, _ patch: [String: JSONValue]) async throws(NimbusError)
        -> FC3Function
    {
        let address = FC3Name(name)
        let current = try await fc3Function(name)
        var (serviceFields, functionFields) = FC3Fields.toCore(patch)
        functionFields["tags"] = nil
        // A partial update of 3.0's own fields keeps the ones it does not name.
        if case .object(let changed)? = functionFields["fc3Fields"] {
            functionFields["fc3Fields"] = .object(
                (current.function.spec.fc3Fields ?? [:]).merging(changed) { $1 })
        }
        var service = current.service
        if !serviceFields.isEmpty { service = try await updateService(address.service, serviceFields, ifMatch: nil) }
        let function = try await updateFunction(
            address.function, service: address.service, functionFields, ifMatch: nil, codeChecksum: nil)
        return FC3Function(name: current.name, service: service, function: function)
    }

    /// `DeleteFunction`: a 3.0 function takes its service (and so its versions and aliases) with it.
    package func deleteFC3Function(_ name: String) async throws(NimbusError) {
        let address = FC3Name(name)
        let service = try await fc3Service(name)
        guard try await store.function(named: address.function, service: address.service) != nil else {
            throw Self.fc3NotFound(name)
        }
        try await deleteFunction(address.function, service: address.service, ifMatch: nil)
        guard service.spec.holdsFC3Function == true, address.service == address.function else { return }
        // Its versions and aliases are the function's own in 3.0: they go with it (aliases first, as
        // they name versions).
        var aliases = Page<AliasRecord>(items: [], nextToken: nil)
        repeat {
            aliases = try await store.listAliases(service: address.service, PageQuery(limit: PageQuery.maximumLimit))
            for alias in aliases.items { try await deleteAlias(alias.name, service: address.service, ifMatch: nil) }
        } while !aliases.items.isEmpty
        var versions = Page<VersionRecord>(items: [], nextToken: nil)
        repeat {
            versions = try await store.listVersions(
                service: address.service, PageQuery(limit: PageQuery.maximumLimit), forward: true)
            for version in versions.items {
                try await deleteVersion(String(version.versionId), service: address.service)
            }
        } while !versions.items.isEmpty
        try await deleteService(address.service, ifMatch: nil)
    }

    /// `ListFunctions`: every function of every service under its 3.0 name, sorted, paged by name;
    /// `fcVersion` `v3` lists the functions made through 3.0, `v2` the others, anything else both.
    package func listFC3Functions(_ page: PageQuery, fcVersion: String?, filter: FC3FunctionFilter = .init())
        async throws(NimbusError) -> Page<FC3Function>
    {
        var all: [FC3Function] = []
        for service in try await allServices() {
            var functions = Page<FunctionRecord>(items: [], nextToken: nil)
            repeat {
                functions = try await store.listFunctions(
                    service: service.name, PageQuery(nextToken: functions.nextToken, limit: PageQuery.maximumLimit))
                for function in functions.items {
                    let name = FC3Name.name(service: service, function: function.name)
                    let made3 = !name.contains("$")
                    if fcVersion == "v3" && !made3 || fcVersion == "v2" && made3 { continue }
                    guard filter.matches(name: name, spec: function.spec) else { continue }
                    if !filter.tags.isEmpty {
                        let tags = try await store.tags(ofService: service.name)
                        guard filter.tags.allSatisfy({ key, value in tags[key] == value }) else { continue }
                    }
                    all.append(FC3Function(name: name, service: service, function: function))
                }
            } while functions.nextToken != nil
        }
        return page.apply(to: all.sorted { $0.name < $1.name }, name: \.name)
    }

    /// The service under a 3.0 name; a missing one is the function's `FunctionNotFound`.
    package func fc3Service(_ name: String) async throws(NimbusError) -> ServiceRecord {
        guard let service = try await store.service(named: FC3Name(name).service) else { throw Self.fc3NotFound(name) }
        return service
    }

    /// The 2.0 address of a 3.0 function that exists.
    package func fc3Address(_ name: String) async throws(NimbusError) -> FC3Name {
        _ = try await fc3Function(name)
        return FC3Name(name)
    }

    static func fc3NotFound(_ name: String) -> NimbusError {
        NimbusError(.functionNotFound, "function '\(name)' does not exist")
    }

    func allServices() async throws(NimbusError) -> [ServiceRecord] {
        var services: [ServiceRecord] = []
        var page = Page<ServiceRecord>(items: [], nextToken: nil)
        repeat {
            page = try await store.listServices(
                PageQuery(nextToken: page.nextToken, limit: PageQuery.maximumLimit), tags: [:])
            services += page.items
        } while page.nextToken != nil
        return services
    }
}

/// `ListFunctions`' filters: `runtime` exact, `functionName` and `description` as substrings, every tag in `tags`.
package struct FC3FunctionFilter: Sendable, Equatable {
    package var runtime: String?
    package var functionName: String?
    package var description: String?
    package var tags: [String: String] = [:]

    package init(
        runtime: String? = nil, functionName: String? = nil, description: String? = nil, tags: [String: String] = [:]
    ) {
        self.runtime = runtime
        self.functionName = functionName
        self.description = description
        self.tags = tags
    }

    func matches(name: String, spec: FunctionSpec) -> Bool {
        if let runtime, spec.runtime != runtime { return false }
        if let functionName, !name.contains(functionName) { return false }
        if let description, !(spec.description ?? "").contains(description) { return false }
        return true
    }
}
