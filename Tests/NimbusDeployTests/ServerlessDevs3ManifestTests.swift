import Foundation
import NimbusCore
import Testing

@testable import NimbusDeploy

/// Serverless Devs 3's `s.yaml` (edition 3.0.0, components fc3 and fc3-domain).
struct ServerlessDevs3ManifestTests {
    let directory = URL(fileURLWithPath: "/project")

    func parse(_ text: String) throws -> Manifest {
        try ManifestLoader.parse(text, file: "s.yaml", directory: directory, environment: ["STAGE": "prod"])
    }

    static let project = """
        edition: 3.0.0
        name: app
        vars:
          region: cn-hangzhou
        resources:
          api:
            component: fc3
            props:
              region: ${vars.region}
              functionName: app-api
              runtime: python3.10
              code: ./code
              handler: index.handler
              internetAccess: false
              environmentVariables: {STAGE: '${env(STAGE)}'}
              vpcConfig: {vpcId: v-1}
              triggers:
                - triggerName: web
                  triggerType: http
                  triggerConfig: {authType: anonymous, methods: [GET]}
                - triggerName: uploads
                  triggerType: oss
                  triggerConfig: {events: ['oss:ObjectCreated:*']}
              customDomain:
                domainName: api.localhost
                protocol: HTTP
                route: {path: /api/*, qualifier: LATEST}
          site:
            component: fc3-domain
            props:
              domainName: site.localhost
              routeConfig:
                routes:
                  - path: /*
                    functionName: ${resources.api.props.functionName}
        """

    @Test func anFC3FunctionIsAServiceAndFunctionOfOneName() throws {
        let manifest = try parse(Self.project)
        let service = try #require(manifest.services.first)
        #expect(manifest.services.count == 1 && service.name == "app-api" && service.isFC3Function)
        let function = try #require(service.functions.first)
        #expect(function.name == "app-api" && function.codeUri == "/project/code")
        #expect(function.fields["internetAccess"] == .bool(false), "3.0 keeps the service's fields on the function")
        #expect(function.fields["environmentVariables"] == .object(["STAGE": .string("prod")]))
        #expect(function.triggers.map(\.name) == ["web"], "the OSS trigger is skipped with a warning")
        #expect(manifest.warnings.map(\.message).contains { $0.contains("vpcConfig") })
        #expect(manifest.warnings.map(\.message).contains { $0.contains("'oss'") })
    }

    @Test func domainsRouteToFunctionsByName() throws {
        let manifest = try parse(Self.project)
        let routes = manifest.domains.map {
            ($0.domainName, $0.routes.map { "\($0.path) \($0.serviceName)/\($0.functionName)" })
        }
        #expect(routes.map(\.0) == ["api.localhost", "site.localhost"])
        #expect(routes.map(\.1) == [["/api/* app-api/app-api"], ["/* app-api/app-api"]])
    }

    @Test func theDeployPlanSendsFC3StepsWithNoServiceStep() throws {
        let manifest = try parse(Self.project)
        let package = CodePackager.Package(bytes: Data([1]), checksum: "1", files: 1)
        let plan = DeployPlan(
            manifest: manifest, server: DeployPlan.ServerState(), packages: ["app-api/app-api": package], prune: false)
        #expect(
            plan.steps.map { "\($0.kind) \($0.name) \($0.fc3)" } == [
                "function app-api/app-api true", "trigger app-api/app-api/web true", "domain api.localhost false",
                "domain site.localhost false",
            ])
    }

    /// An empty component name is a problem with its place, not a crash of the CLI.
    @Test(arguments: ["''", "'@'", "'@@1'"])
    func anEmptyComponentIsNamed(component: String) {
        #expect(throws: ManifestErrors.self) {
            try parse("edition: 3.0.0\nresources:\n  api:\n    component: \(component)\n    props: {}\n")
        }
    }

    @Test func anUnknownComponentOrPropertyIsNamed() {
        let text = """
            edition: 3.0.0
            resources:
              db:
                component: fc3-rds
                props: {}
              api:
                component: fc3
                props: {functionName: a, code: ./c, runtime: python3, handler: i.h, memorysize: 128}
            """
        #expect(throws: ManifestErrors.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch let errors as ManifestErrors {
            let messages = errors.problems.map(\.message)
            #expect(messages.contains { $0.contains("component 'fc3-rds'") })
            #expect(messages.contains { $0.contains("memorysize") && $0.contains("memorySize") })
        } catch {
            Issue.record("\(error)")
        }
    }

    /// `domainName: auto` gets a host name that resolves here without DNS (FC generates one in the cloud).
    @Test func anAutoDomainGetsAHostNameUnderTheSuffix() throws {
        let text = """
            edition: 3.0.0
            resources:
              api:
                component: fc3
                props:
                  functionName: Shop_API
                  code: ./code
                  runtime: python3
                  handler: index.handler
                  customDomain: {domainName: auto, protocol: HTTP, route: {path: /*}}
            """
        #expect(try parse(text).domains.map(\.domainName) == ["shop-api.localhost"])
        let elsewhere = try ManifestLoader.parse(
            text, file: "s.yaml", directory: directory, environment: ["NIMBUS_AUTO_DOMAIN_SUFFIX": "fc.example.com"])
        #expect(elsewhere.domains.map(\.domainName) == ["shop-api.fc.example.com"])
    }
}
