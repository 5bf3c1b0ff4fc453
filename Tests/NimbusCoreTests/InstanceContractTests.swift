import Foundation
import NimbusCore
import Testing

@Suite struct InstanceContractTests {
    func contract(runtime: String = "python3", env: [String: String] = [:]) -> InstanceContract {
        var service = ServiceSpec().withDefaults()
        service.logConfig?.project = "proj"
        var function = FunctionSpec()
        function.runtime = runtime
        function.handler = "index.handler"
        function.environmentVariables = env
        let meta = ResourceMeta(id: "id", name: "fn", createdTime: Date(), lastModifiedTime: Date(), etag: "e")
        var serviceMeta = meta
        serviceMeta.name = "svc"
        return InstanceContract(
            service: ServiceRecord(meta: serviceMeta, spec: service),
            function: FunctionRecord(
                meta: meta, serviceName: "svc", spec: function.withDefaults(),
                code: CodeInfo(size: 1, checksum: "1", digest: "d")),
            qualifier: "LATEST", versionId: "LATEST", region: "local", accountId: "42")
    }

    @Test func environmentIsCleanAndCarriesFCVariables() {
        let environment = contract(env: ["GREETING": "hi", "FC_SERVER_PORT": "1"]).environment(
            port: 4000, codeDirectory: "/code", instanceId: "i-1")
        #expect(environment["FC_SERVER_PORT"] == "4000", "users cannot override FC_ variables")
        #expect(environment["GREETING"] == "hi")
        #expect(environment["FC_FUNC_CODE_PATH"] == "/code")
        #expect(environment["FC_ACCOUNT_ID"] == "42")
        #expect(environment.keys.allSatisfy { !$0.hasPrefix("NIMBUS_") })
        #expect(environment["PORT"] == nil, "PORT is only set for custom runtimes")
        #expect(contract(runtime: "custom").environment(port: 1, codeDirectory: "/c", instanceId: "i")["PORT"] == "1")
    }

    @Test func headersNameTheCall() {
        let headers = Dictionary(
            uniqueKeysWithValues: contract().headers(requestId: "r-1", controlPath: "/invoke").map { ($0.0, $0.1) })
        #expect(headers["x-fc-request-id"] == "r-1")
        #expect(headers["x-fc-function-timeout"] == "3")
        #expect(headers["x-fc-service-logproject"] == "proj")
        #expect(headers["x-fc-control-path"] == "/invoke")
        #expect(
            contract().headers(requestId: "r-1", controlPath: "/invoke").map(\.0) == InstanceContract.headerNames,
            "the warm lane drops a client's values for exactly these names")
    }

    @Test func httpParamsAreBase64JSON() throws {
        let encoded = InstanceContract.httpParams(
            path: "/a", requestURI: "/2016-08-15/proxy/s/f/a?x=1", method: "GET", clientIP: "127.0.0.1", host: "h")
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(base64Encoded: encoded)!)
        #expect(decoded["path"] == "/a")
        #expect(decoded["requestURI"] == "/2016-08-15/proxy/s/f/a?x=1")
    }

    @Test func failureMessagesUseFCsWording() {
        #expect(
            InvocationMessages.timedOut(after: 3, maxMemoryMB: 12.5)
                == "Function timed out after 3 seconds (maxMemoryUsage: 12.50MB)")
    }
}
