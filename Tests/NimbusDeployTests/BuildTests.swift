import Foundation
import NimbusCore
import Testing

@testable import NimbusDeploy

struct BuildTests {
    static let project = """
        edition: 1.0.0
        services:
          api:
            component: fc
            props:
              service: {name: shop}
              function: {name: api, runtime: python3.10, codeUri: ./api, handler: index.handler}
          web:
            component: fc
            props:
              service: {name: shop}
              function: {name: web, runtime: nodejs18, codeUri: ./web, handler: index.handler}
          plain:
            component: fc
            props:
              service: {name: shop}
              function: {name: plain, runtime: python3, codeUri: ./plain, handler: index.handler}
          custom:
            component: fc
            props:
              service: {name: shop}
              function: {name: custom, runtime: custom, codeUri: ./custom, handler: index.handler}
          zipped:
            component: fc
            props:
              service: {name: shop}
              function: {name: zipped, runtime: python3, codeUri: ./zipped.zip, handler: index.handler}
        """

    @Test func onlyFunctionsWithTheirRuntimesDependencyFileNeedABuild() throws {
        let manifest = try ManifestLoader.parse(
            Self.project, file: "/p/s.yaml", directory: URL(fileURLWithPath: "/p"), environment: [:])
        let present: Set<String> = [
            "/p/api/requirements.txt", "/p/web/package.json", "/p/custom/requirements.txt",
            "/p/web/requirements.txt", "/p/zipped.zip/requirements.txt",
        ]
        let targets = BuildTarget.targets(in: manifest, fileExists: present.contains)
        // A custom runtime is built by the dependency file it has (a uvicorn or express app).
        #expect(targets.map(\.name) == ["shop/api", "shop/web", "shop/custom"])
        #expect(targets.map(\.ecosystem) == [.python, .node, .python])
        #expect(targets[0].directory.path == "/p/.nimbus/build/shop/api")
        #expect(targets[0].output.path == "/p/.nimbus/build/shop/api/code")
        let deployed = manifest.deploying(targets)
        #expect(
            deployed.services[0].functions.map(\.codeUri) == [
                "/p/.nimbus/build/shop/api/code", "/p/.nimbus/build/shop/web/code", "/p/plain",
                "/p/.nimbus/build/shop/custom/code", "/p/zipped.zip",
            ])
    }

    func key(_ files: [String: String], interpreter: String = "/usr/bin/python3 Python 3.11.2") -> String {
        BuildKey(ecosystem: .python, interpreter: interpreter, files: files.mapValues { Data($0.utf8) }).description
    }

    @Test func theKeyChangesWithTheManifestTheLockAndTheInterpreterOnly() {
        let base = key(["requirements.txt": "flask==3.0\n"])
        #expect(base.count == 64)
        #expect(base == key(["requirements.txt": "flask==3.0\n"]))
        #expect(base != key(["requirements.txt": "flask==3.1\n"]))
        #expect(base != key(["requirements.txt": "flask==3.0\n"], interpreter: "/usr/bin/python3 Python 3.12.1"))
        #expect(base != key(["requirements.txt": "flask==3.0\n", "package-lock.json": "{}"]))
        // Length prefixes: moving bytes from one part to the next is a different key.
        #expect(key(["a": "bc"]) != key(["ab": "c"]))
        let node = BuildKey(ecosystem: .node, interpreter: "/usr/bin/python3 Python 3.11.2", files: [:])
        #expect(node.description != key([:]))
    }

    @Test func pipInstallsIntoTheBuildForTheRuntimesInterpreter() {
        let command = InstallCommand.pip(
            python: "/usr/bin/python3", source: URL(fileURLWithPath: "/p/api"),
            into: URL(fileURLWithPath: "/p/.nimbus/build/shop/api/dependencies.partial"))
        #expect(command.executable == "/usr/bin/python3")
        #expect(
            command.arguments == [
                "-m", "pip", "install", "-r", "/p/api/requirements.txt", "--target",
                "/p/.nimbus/build/shop/api/dependencies.partial", "--prefer-binary", "--no-input",
                "--disable-pip-version-check", "--no-compile",
            ])
        #expect(command.workingDirectory == "/p/api")
    }

    @Test func npmInstallsProductionDependenciesOnTheRuntimesNode() {
        let command = InstallCommand.npm(
            npm: "/usr/bin/npm", node: "/opt/node20/bin/node", in: URL(fileURLWithPath: "/p/stage"),
            path: "/usr/bin:/bin")
        #expect(command.arguments.prefix(4) == ["install", "--omit=dev", "--install-links", "--no-bin-links"])
        #expect(command.workingDirectory == "/p/stage")
        #expect(command.environment == ["PATH": "/opt/node20/bin:/usr/bin:/bin"])
        let found = InstallCommand.findNPM(node: "/opt/node20/bin/node", path: "/usr/local/bin:/usr/bin") {
            $0 == "/usr/bin/npm"
        }
        #expect(found == "/usr/bin/npm")
        #expect(InstallCommand.findNPM(node: "/usr/bin/node", path: "/bin") { _ in false } == nil)
        #expect(InstallCommand.version(of: "/usr/bin/python3", ecosystem: .python).arguments == ["-VV"])
    }

    @Test func theStagedPackageKeepsProductionDependenciesWithAbsoluteFilePaths() throws {
        let source = URL(fileURLWithPath: "/p/web")
        let original = """
            {"name": "web", "version": "1.0.0", "scripts": {"postinstall": "node build.js"},
             "dependencies": {"greet": "file:../greet", "local": "./vendor/local-1.0.0.tgz", "abs": "file:/x/y",
                              "express": "^4.19.0"},
             "devDependencies": {"jest": "^29"}}
            """
        let staged = try JSONDecoder().decode(
            JSONValue.self, from: NodeStaging.packageJSON(Data(original.utf8), source: source))
        #expect(staged.field("scripts") == nil)
        #expect(staged.field("devDependencies") == nil)
        #expect(staged.field("name") == .string("web"))
        #expect(
            staged.field("dependencies")
                == .object([
                    "greet": .string("file:/p/greet"), "local": .string("file:/p/web/vendor/local-1.0.0.tgz"),
                    "abs": .string("file:/x/y"), "express": .string("^4.19.0"),
                ]))
        let lock = #"{"packages": {"node_modules/greet": {"resolved": "file:../greet", "version": "./1"}}}"#
        let stagedLock = try JSONDecoder().decode(
            JSONValue.self, from: NodeStaging.lockFile(Data(lock.utf8), source: source))
        #expect(
            stagedLock
                == .object([
                    "packages": .object([
                        "node_modules/greet": .object(["resolved": .string("file:/p/greet"), "version": .string("./1")])
                    ])
                ]))
    }

    @Test func aFailedInstallIsToldWithTheToolsOwnErrorLines() {
        let pip = """
            Processing ./wheels/greet-1.0-py3-none-any.whl
            WARNING: Running pip as the 'root' user can result in broken permissions
            ERROR: Could not find a version that satisfies the requirement nosuchpkg==9.9 (from versions: none)
            ERROR: No matching distribution found for nosuchpkg==9.9
            """
        #expect(
            InstallOutput.problem(pip, ecosystem: .python, interpreter: "/usr/bin/python3") == """
                ERROR: Could not find a version that satisfies the requirement nosuchpkg==9.9 (from versions: none)
                ERROR: No matching distribution found for nosuchpkg==9.9
                """)
        #expect(
            InstallOutput.problem(
                "/usr/bin/python3: No module named pip\n", ecosystem: .python, interpreter: "/usr/bin/python3")
                == "the python3 runtime's interpreter /usr/bin/python3 has no pip: install python3-pip")
        let npm = """
            npm error code ENOTFOUND
            npm error network request to https://registry.npmjs.org/left-pad failed, reason: getaddrinfo ENOTFOUND
            npm error A complete log of this run can be found in: /root/.npm/_logs/x.log
            """
        let told = InstallOutput.problem(npm, ecosystem: .node, interpreter: "/usr/bin/node")
        #expect(told.hasPrefix("npm cannot fetch 'left-pad' from the registry"))
        #expect(told.contains("npm error code ENOTFOUND"))
        #expect(!told.contains("complete log"))
        #expect(InstallOutput.registryPackage("request to https://r.example/@scope%2fname failed") == "@scope/name")
        #expect(InstallOutput.problem("boom\n\n", ecosystem: .node, interpreter: "node") == "boom")
    }
}
