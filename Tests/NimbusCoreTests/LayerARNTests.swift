import NimbusCore
import Testing

@Suite struct LayerARNTests {
    @Test func parsesAndPrintsTheARN() throws {
        let arn = try LayerARN(parsing: "acs:fc:cn-hangzhou:123:layers/deps_1/versions/12")
        #expect(arn == LayerARN(region: "cn-hangzhou", accountId: "123", layerName: "deps_1", version: 12))
        #expect(arn.description == "acs:fc:cn-hangzhou:123:layers/deps_1/versions/12")
    }

    @Test(arguments: [
        "", "acs:fc:r:1:layers/x", "acs:fc:r:1:layers/x/versions/0", "acs:fc:r:1:layers/x/versions/-1",
        "acs:fc:r:1:layers/x/versions/99999999999999999999999", "acs:fc::1:layers/x/versions/1",
        "acs:oss:r:1:layers/x/versions/1", "acs:fc:r:1:layers/x/versions/1/extra", "acs:fc:r:1:layers/x/versions/+1",
    ])
    func refusesAnythingElse(text: String) {
        #expect(throws: NimbusError.self) { try LayerARN(parsing: text) }
    }

    @Test func aFunctionNamesAtMostFiveDistinctCanonicalLayers() throws {
        let arns = (1...5).map { "acs:fc:r:1:layers/l\($0)/versions/1" }
        #expect(try LayerRules.arns(arns).map(\.layerName) == ["l1", "l2", "l3", "l4", "l5"])
        #expect(throws: NimbusError.self) { try LayerRules.arns(arns + ["acs:fc:r:1:layers/l6/versions/1"]) }
        #expect(throws: NimbusError.self) { try LayerRules.arns([arns[0], "acs:fc:r:1:layers/l1/versions/2"]) }
        #expect(throws: NimbusError.self) { try LayerRules.arns(["acs:fc:r:1:layers/l1/versions/01"]) }
    }
}
