import Foundation
import NimbusCore
import Testing

@testable import NimbusDeploy

struct ManifestTests {
    let directory = URL(fileURLWithPath: "/project")

    func parse(_ text: String, file: String = "s.yaml", environment: [String: String] = [:]) throws -> Manifest {
        try ManifestLoader.parse(text, file: file, directory: directory, environment: environment)
    }

    func problems(_ text: String, file: String = "s.yaml") -> [ManifestDiagnostic] {
        do {
            _ = try parse(text, file: file)
            return []
        } catch let errors as ManifestErrors {
            return errors.problems
        } catch {
            return [ManifestDiagnostic(file: file, line: 0, column: 0, message: "\(error)")]
        }
    }

    static let serverlessDevs = """
        edition: 1.0.0
        name: shop
        vars:
          memory: 256
        services:
          api:
            component: devsapp/fc
            props:
              region: ${vars.region-unused-is-fine}
              service:
                name: shop
                description: the shop
                vpcConfig: {vpcId: v-1}
              function:
                name: api
                runtime: python3
                codeUri: ./api
                handler: index.handler
                memorySize: ${vars.memory}
                environmentVariables:
                  STAGE: ${env(STAGE)}
              triggers:
                - name: http
                  type: http
                  config: {authType: anonymous, methods: [GET, POST]}
                - name: nightly
                  type: timer
                  config: {cronExpression: '0 0 2 * * *', enable: true, payload: cleanup}
                - name: uploads
                  type: oss
                  config: {events: ['oss:ObjectCreated:*']}
              customDomains:
                - domainName: shop.localhost
                  protocol: HTTP
                  routeConfigs:
                    - path: /api/*
          worker:
            component: fc
            props:
              service: {name: jobs}
              function: {name: worker, runtime: nodejs20, codeUri: ./worker, handler: index.handler}
        """

    @Test func serverlessDevsProjectsBecomeOneModel() throws {
        let text = Self.serverlessDevs.replacingOccurrences(of: "${vars.region-unused-is-fine}", with: "local")
        let manifest = try parse(text, environment: ["STAGE": "prod"])
        #expect(manifest.services.map(\.name) == ["shop", "jobs"])
        let api = try #require(manifest.services.first?.functions.first)
        #expect(api.codeUri == "/project/api")
        #expect(api.fields["memorySize"] == .number(256))
        #expect(api.fields["environmentVariables"] == .object(["STAGE": .string("prod")]))
        #expect(api.triggers.map(\.name) == ["http", "nightly"])  // the OSS trigger is skipped with a warning
        #expect(api.triggers[1].config.field("cronExpression") == .string("0 0 2 * * *"))
        #expect(manifest.domains.first?.routes.first?.functionName == "api")
        let warnings = manifest.warnings.map(\.message)
        #expect(warnings.contains { $0.contains("vpcConfig") && $0.contains("not supported") })
        #expect(warnings.contains { $0.contains("oss") })
    }

    @Test func unknownPropertiesAreReportedWithTheirLineAndASuggestion() throws {
        let text = Self.serverlessDevs.replacingOccurrences(of: "memorySize: ${vars.memory}", with: "memorySise: 256")
            .replacingOccurrences(of: "${vars.region-unused-is-fine}", with: "local")
        let found = problems(text)
        let problem = try #require(found.first { $0.message.contains("memorySise") })
        #expect(problem.line == 19)
        #expect(problem.message.contains("did you mean 'memorySize'"))
        #expect(problem.description.hasPrefix("s.yaml:19:"))
    }

    @Test(arguments: [
        (
            "services:\n  x:\n    component: fc\n    props:\n      service: {name: s}\n      function: {name: f, runtime: python3}\n",
            "codeUri"
        ),
        ("services:\n  x:\n    component: devsapp/oss\n    props: {}\n", "not Function Compute"),
        ("name: x\n", "needs a 'services' mapping"),
        ("services:\n  x:\n    component: fc\n    props:\n      service: {name: '${env(MISSING)}'}\n", "MISSING"),
        ("services: [unclosed\n", "not valid YAML"),
    ])
    func brokenServerlessDevsManifestsSayWhy(text: String, expected: String) {
        #expect(problems(text).contains { $0.message.contains(expected) }, "\(problems(text))")
    }

    static let funcraft = """
        ROSTemplateFormatVersion: '2015-09-01'
        Transform: 'Aliyun::Serverless-2018-04-03'
        Resources:
          shop:
            Type: 'Aliyun::Serverless::Service'
            Properties:
              Description: the shop
              NasConfig: Auto
            api:
              Type: 'Aliyun::Serverless::Function'
              Properties:
                Handler: index.handler
                Runtime: python3
                CodeUri: ./api
                MemorySize: 512
                CustomRuntimeConfig:
                  Command: [python3]
              Events:
                http:
                  Type: HTTP
                  Properties: {AuthType: ANONYMOUS, Methods: [GET]}
                tick:
                  Type: Timer
                  Properties: {CronExpression: '@every 5m', Enable: true, Payload: hi}
          shop.localhost:
            Type: 'Aliyun::Serverless::CustomDomain'
            Properties:
              Protocol: HTTP
              RouteConfig:
                Routes:
                  '/*': {ServiceName: shop, FunctionName: api}
        """

    @Test func funcraftTemplatesBecomeTheSameModel() throws {
        let manifest = try parse(Self.funcraft, file: "template.yml")
        let api = try #require(manifest.services.first?.functions.first)
        #expect(manifest.services.first?.fields["description"] == .string("the shop"))
        #expect(api.fields["memorySize"] == .number(512))
        #expect(api.fields["customRuntimeConfig"] == .object(["command": .array([.string("python3")])]))
        #expect(api.triggers.map(\.type) == ["http", "timer"])
        #expect(api.triggers[0].config.field("authType") == .string("anonymous"))
        #expect(
            manifest.domains == [
                DomainManifest(
                    domainName: "shop.localhost", protocol: "HTTP",
                    routes: [DomainRoute(path: "/*", serviceName: "shop", functionName: "api")])
            ])
        #expect(manifest.warnings.contains { $0.message.contains("NasConfig") })
    }

    @Test func unknownResourceTypesAreErrors() {
        let text = Self.funcraft.replacingOccurrences(
            of: "Type: 'Aliyun::Serverless::CustomDomain'", with: "Type: 'Aliyun::Serverless::Api'")
        let found = problems(text, file: "template.yml")
        #expect(found.contains { $0.message.contains("Aliyun::Serverless::Api") && $0.line == 26 })
    }
}

struct PackagingAndPlanTests {
    func project() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-deploy-\(UUID())")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try Data("def handler(e, c):\n    return 'ok'\n".utf8).write(to: root.appendingPathComponent("index.py"))
        try Data("x = 1\n".utf8).write(to: root.appendingPathComponent("lib/util.py"))
        try Data("secret\n".utf8).write(to: root.appendingPathComponent("notes.txt"))
        try Data("notes.txt\n# comment\n".utf8).write(to: root.appendingPathComponent(".fcignore"))
        return root
    }

    @Test func packagesAreStableAndHonourFcignore() throws {
        let root = try project()
        let first = try CodePackager.package(root.path)
        let second = try CodePackager.package(root.path)
        #expect(first.bytes == second.bytes)
        #expect(first.checksum == second.checksum)
        #expect(first.files == 2)  // index.py, lib/util.py; notes.txt and .fcignore left out
        try Data("x = 2\n".utf8).write(to: root.appendingPathComponent("lib/util.py"))
        #expect(try CodePackager.package(root.path).checksum != first.checksum)
    }

    @Test func thePlanCreatesWhatIsMissingAndTouchesOnlyWhatChanged() throws {
        let root = try project()
        var manifest = Manifest(file: "s.yaml")
        var service = ServiceManifest(name: "s")
        service.functions = [
            FunctionManifest(
                name: "a", codeUri: root.path, fields: ["runtime": .string("python3"), "memorySize": .number(128)]),
            FunctionManifest(
                name: "b", codeUri: root.path, fields: ["runtime": .string("python3"), "memorySize": .number(256)]),
        ]
        manifest.services = [service]
        let package = try CodePackager.package(root.path)
        let packages = ["s/a": package, "s/b": package]
        let fresh = DeployPlan(manifest: manifest, server: .init(), packages: packages, prune: false)
        #expect(fresh.steps.map(\.action) == [.create, .create, .create])
        #expect(fresh.steps[1].body["code"] != nil)

        var server = DeployPlan.ServerState()
        server.services["s"] = ["serviceName": .string("s")]
        server.functions["s/a"] = [
            "runtime": .string("python3"), "memorySize": .number(128), "codeChecksum": .string(package.checksum),
        ]
        server.functions["s/b"] = [
            "runtime": .string("python3"), "memorySize": .number(128), "codeChecksum": .string(package.checksum),
        ]
        server.extraFunctions = ["s/old"]
        let again = DeployPlan(manifest: manifest, server: server, packages: packages, prune: true)
        #expect(again.steps.map(\.action) == [.unchanged, .unchanged, .update, .delete])
        #expect(again.steps[2].changes == ["memorySize"])
        #expect(again.steps[2].body["code"] == nil)  // same checksum: the code is not sent again
        #expect(again.steps[3].name == "s/old")
    }
}
