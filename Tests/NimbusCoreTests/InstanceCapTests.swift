import Foundation
import NimbusCore
import Testing

@Suite struct InstanceCapTests {
    @Test(arguments: [
        (Int?.none, Int?.none, InstanceCap.Source.platform, 100),
        (nil, 10, .perFunctionSetting, 10),
        (3, nil, .onDemandConfig, 3),
        (300, 10, .onDemandConfig, 300),
    ])
    func theFunctionsOwnConfigWinsThenTheSettingThenThePlatform(
        onDemand: Int?, perFunction: Int?, source: InstanceCap.Source, limit: Int
    ) {
        let cap = InstanceCap(onDemand: onDemand, perFunction: perFunction, platform: 100)
        #expect(cap.source == source)
        #expect(cap.limit == limit)
    }

    /// The burst: 200 first calls to one function start 100 instances (the platform cap), not 10.
    @Test func byDefaultOneFunctionMayUseThePlatformsWholeRoom() {
        let cap = InstanceCap(onDemand: nil, perFunction: nil, platform: 100)
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: cap.limit))
        var starts = 0
        for call in 1...200 {
            starts += pool.arrive(call, now: Date(), headroom: 100 - pool.instanceCount).count
        }
        #expect(starts == 100)
    }

    @Test func theMessageNamesTheOnDemandConfig() {
        let message = InstanceCap(onDemand: 2, perFunction: 10, platform: 100).throttleMessage(
            function: "f", waited: 30, instances: 2, platformInstances: 5, platformLimit: 100)
        #expect(message.hasPrefix("no instance of function 'f' became free within 30 s: "))
        #expect(message.contains("on-demand config caps it at 2 instances"))
        #expect(message.contains("PutOnDemandConfig"))
        #expect(!message.contains("NIMBUS_INSTANCE_MAX"))
    }

    @Test func theMessageNamesThePerFunctionSetting() {
        let message = InstanceCap(onDemand: nil, perFunction: 10, platform: 100).throttleMessage(
            function: "f", waited: 30, instances: 10, platformInstances: 10, platformLimit: 100)
        #expect(message.contains("NIMBUS_INSTANCE_MAX_PER_FUNCTION caps every function at 10 instances"))
        #expect(!message.contains("platform cap"))
    }

    @Test func theMessageNamesThePlatformCap() {
        let message = InstanceCap(onDemand: nil, perFunction: nil, platform: 100).throttleMessage(
            function: "f", waited: 30, instances: 40, platformInstances: 100, platformLimit: 100)
        #expect(message.contains("platform cap of 100 instances of all functions together"))
        #expect(message.contains("raise NIMBUS_INSTANCE_MAX)"))
        #expect(!message.contains("PER_FUNCTION") && !message.contains("on-demand config caps"))
    }

    @Test func bothFullCapsAreNamed() {
        let message = InstanceCap(onDemand: 4, perFunction: nil, platform: 4).throttleMessage(
            function: "f", waited: 1, instances: 4, platformInstances: 4, platformLimit: 4)
        #expect(message.contains("on-demand config caps it at 4") && message.contains("platform cap of 4"))
    }

    @Test func noFullCapSaysSo() {
        let message = InstanceCap(onDemand: nil, perFunction: nil, platform: 100).throttleMessage(
            function: "f", waited: 30, instances: 3, platformInstances: 3, platformLimit: 100)
        #expect(message.hasSuffix("its 3 instances all busy or still starting (no cap was reached)"))
    }
}
