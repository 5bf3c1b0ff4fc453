import Foundation
import NimbusCore
import Testing

@Suite struct FCJSONTests {
    @Test func fieldNamesMatchInAnyCase() throws {
        let fields = try FCJSON.object(from: Data(#"{"FunctionName":"f","MEMORYSIZE":256,"runtime":"python3"}"#.utf8))
        #expect(fields["functionName"] == .string("f"))
        let spec = try FCJSON.decode(FunctionSpec.self, from: fields)
        #expect(spec.memorySize == 256)
    }

    @Test func freeFormMapsKeepTheirKeys() throws {
        let body =
            #"{"triggerConfig":{"AuthType":"anonymous","Methods":["GET"]},"environmentVariables":{"Runtime":"x"}}"#
        let fields = try FCJSON.object(from: Data(body.utf8))
        #expect(fields["triggerConfig"]?["AuthType"] == .string("anonymous"))
        #expect(fields["environmentVariables"]?["Runtime"] == .string("x"))
    }

    @Test func nestedKnownFieldsAreCanonicalised() throws {
        let fields = try FCJSON.object(from: Data(#"{"LogConfig":{"LogStore":"s","Project":"p"}}"#.utf8))
        let spec = try FCJSON.decode(ServiceSpec.self, from: fields)
        #expect(spec.logConfig?.logstore == "s")
        #expect(spec.logConfig?.project == "p")
    }

    @Test func wrongTypesNameTheField() {
        #expect {
            try FCJSON.decode(FunctionSpec.self, from: ["memorySize": .string("big")])
        } throws: { error in
            (error as? NimbusError)?.message.contains("memorySize") == true
        }
    }

    @Test func malformedBodiesAreInvalidArguments() {
        for body in ["{", "[1]", "\"x\"", "{\"a\":}"] {
            #expect(throws: NimbusError.self) { try FCJSON.object(from: Data(body.utf8)) }
        }
        #expect((try? FCJSON.object(from: Data())) == [:])
    }

    @Test func mergeReplacesPresentFieldsAndIgnoresNulls() {
        let base: [String: JSONValue] = ["a": .number(1), "env": .object(["X": .string("1")]), "b": .string("keep")]
        let merged = FCJSON.merge(base, patch: ["env": .object([:]), "b": .null])
        #expect(merged["env"] == .object([:]))
        #expect(merged["b"] == .string("keep"))
        #expect(merged["a"] == .number(1))
    }

    @Test func tracingConfigPrintsExplicitNulls() throws {
        let fields = FCJSON.fields(of: TracingConfig())
        #expect(fields["type"] == .null)
        #expect(fields["params"] == .null)
    }
}
