import Foundation
import Testing

@testable import NimbusDeploy

struct BuildOutputTests {
    func write(_ files: [String: String], under root: URL) throws {
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    func tree(_ root: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for path in try CodePackager.files(under: root) {
            files[path] = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        return files
    }

    @Test func theOutputIsTheCodeLessFcignorePlusTheDependenciesAndTheUsersFilesWin() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-build-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("web")
        try write(
            [
                "index.js": "code", "package.json": "{}", ".fcignore": "*.md\ntests/\n", "notes.md": "no",
                "tests/a.js": "no", "node_modules/jest/index.js": "dev", "node_modules/greet/index.js": "mine",
            ], under: source)
        let target = BuildTarget(
            service: "s", function: "web", ecosystem: .node, source: source,
            directory: root.appendingPathComponent(".nimbus/build/s/web"))
        try write(
            ["node_modules/greet/index.js": "installed", "node_modules/greet/README.md": "no", "package.json": "{}"],
            under: target.dependencies)
        try write(["stale.js": "gone"], under: target.output)
        try BuildOutput.assemble(target)
        #expect(
            try tree(target.output) == [
                "index.js": "code", "package.json": "{}", "node_modules/greet/index.js": "installed",
            ])
    }

    @Test func pythonDependenciesLandAtTheRootOfThePackage() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-build-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("api")
        try write(["index.py": "code", "requirements.txt": "greet", "six.py": "vendored"], under: source)
        let target = BuildTarget(
            service: "s", function: "api", ecosystem: .python, source: source,
            directory: root.appendingPathComponent(".nimbus/build/s/api"))
        try write(["greet/__init__.py": "dep", "six.py": "installed"], under: target.dependencies)
        try BuildOutput.assemble(target)
        #expect(
            try tree(target.output) == [
                "index.py": "code", "requirements.txt": "greet", "six.py": "vendored", "greet/__init__.py": "dep",
            ])
    }
}
