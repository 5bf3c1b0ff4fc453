import NimbusCore
import Testing

@Suite struct ValidationTests {
    @Test(arguments: ["a", "_svc", "Svc-1_x", String(repeating: "a", count: 128)])
    func acceptsFCNames(name: String) throws {
        try Validation.serviceName(name)
    }

    @Test(arguments: ["", "1abc", "-abc", "a.b", "a b", "ünï", String(repeating: "a", count: 129)])
    func refusesBadNames(name: String) {
        #expect(throws: NimbusError.self) { try Validation.serviceName(name) }
    }

    @Test func functionNamesStopAt64() throws {
        try Validation.functionName(String(repeating: "f", count: 64))
        #expect(throws: NimbusError.self) { try Validation.functionName(String(repeating: "f", count: 65)) }
    }

    @Test func environmentRules() throws {
        try Validation.environment(["A_1": "x"])
        #expect(throws: NimbusError.self) { try Validation.environment(["1A": "x"]) }
        #expect(throws: NimbusError.self) { try Validation.environment(["A-B": "x"]) }
        #expect(throws: NimbusError.self) { try Validation.environment(["BIG": String(repeating: "x", count: 5000)]) }
    }

    @Test func functionSpecLimits() throws {
        var spec = FunctionSpec()
        spec.runtime = "python3.9"
        spec.handler = "index.handler"
        try spec.withDefaults().validate()
        for change in [
            { (s: inout FunctionSpec) in s.memorySize = 100 }, { $0.memorySize = 200 }, { $0.timeout = 0 },
            { $0.instanceConcurrency = 101 }, { $0.runtime = "java8" }, { $0.handler = "" },
        ] {
            var bad = spec.withDefaults()
            change(&bad)
            #expect(throws: NimbusError.self) { try bad.validate() }
        }
    }

    @Test func customRuntimeNeedsNoHandler() throws {
        var spec = FunctionSpec()
        spec.runtime = "custom"
        try spec.withDefaults().validate()
    }

    @Test func triggerConfigs() throws {
        var http = TriggerSpec()
        http.triggerType = "http"
        http.triggerConfig = .object(["authType": .string("anonymous"), "methods": .array([.string("GET")])])
        try http.validate()
        http.triggerConfig = .object(["Methods": .array([.string("BREW")])])
        #expect(throws: NimbusError.self) { try http.validate() }
        var oss = TriggerSpec()
        oss.triggerType = "oss"
        oss.triggerConfig = .object([:])
        #expect(throws: NimbusError.self) { try oss.validate() }
    }

    @Test func crc64MatchesTheXZCheckValue() {
        #expect(CRC64.checksum(Array("123456789".utf8)) == 11_051_210_869_376_104_954)
        #expect(CRC64.checksum([UInt8]()) == 0)
    }
}

/// FC's runtime names, 2.0's and 3.0's, as Nimbus runs them.
@Suite struct RuntimeNameTests {
    @Test(arguments: [
        ("python3", Runtime.python3), ("python3.9", .python3), ("python3.10", .python3), ("python3.12", .python3),
        ("nodejs16", .nodejs), ("nodejs18", .nodejs), ("nodejs20", .nodejs), ("custom", .custom),
        ("custom.debian10", .custom), ("custom.debian11", .custom), ("custom.debian12", .custom),
    ])
    func fcRuntimeNamesMap(name: String, runtime: Runtime) throws {
        #expect(try Runtime(fcName: name) == runtime)
    }

    @Test(arguments: ["java11", "go1", "python2.7", "custom-container", ""])
    func othersAreRefusedWithTheList(name: String) {
        #expect {
            try Runtime(fcName: name)
        } throws: { error in
            (error as? NimbusError)?.message.contains("supported runtimes: custom, custom.debian10") == true
        }
    }
}
