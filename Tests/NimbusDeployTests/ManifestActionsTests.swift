import Foundation
import NimbusCore
import Testing

@testable import NimbusDeploy

/// Serverless Devs' `actions`, in both s.yaml editions.
struct ManifestActionsTests {
    func parse(_ text: String) throws -> Manifest {
        try ManifestLoader.parse(text, file: "s.yaml", directory: URL(fileURLWithPath: "/p"), environment: [:])
    }

    @Test func editionThreeActionsRunInOrderInTheirPaths() throws {
        let manifest = try parse(
            """
            edition: 3.0.0
            resources:
              api:
                component: fc3
                actions:
                  pre-deploy:
                    - run: pip install -r requirements.txt -t ./python
                      path: ./code
                    - component: fc3 build
                    - run: echo second
                  post-deploy:
                    - run: echo done
                  pre-remove:
                    - run: echo never
                props: {functionName: api, code: ./code, runtime: python3, handler: index.handler}
            """)
        #expect(
            manifest.actions.map { "\($0.phase.rawValue) \($0.directory) \($0.command)" } == [
                "pre-deploy /p/code pip install -r requirements.txt -t ./python", "pre-deploy /p echo second",
                "post-deploy /p echo done",
            ])
        let warnings = manifest.warnings.map(\.message)
        #expect(warnings.contains { $0.contains("only `run` actions") })
        #expect(warnings.contains { $0.contains("pre-remove is not run") })
    }

    @Test func editionOneActionsAreReadToo() throws {
        let manifest = try parse(
            """
            edition: 1.0.0
            services:
              api:
                component: fc
                actions:
                  pre-deploy:
                    - run: make
                      path: ./src
                props:
                  service: {name: s}
                  function: {name: f, runtime: python3, codeUri: ./src, handler: index.handler}
            """)
        #expect(
            manifest.actions == [
                ManifestAction(phase: .preDeploy, resource: "api", command: "make", directory: "/p/src")
            ])
    }

    @Test func anUnknownHookIsNamed() {
        #expect(throws: ManifestErrors.self) {
            try parse(
                """
                edition: 3.0.0
                resources:
                  api:
                    component: fc3
                    actions: {pre-deplyo: [{run: x}]}
                    props: {functionName: api, code: ./code, runtime: python3, handler: index.handler}
                """)
        }
    }
}
