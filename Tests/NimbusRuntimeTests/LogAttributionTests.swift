import NimbusCore
import Testing

@testable import NimbusRuntime

/// Which request a line names: checked for every output line against each call in flight.
@Suite struct LogAttributionTests {
    @Test func aLineMentionsAnIdAnywhereInIt() {
        let id = "0f9d1c2e-8b7a-4c3d-9e8f-123456789abc"
        #expect(Instance.mentions("FC Invoke Start RequestId: \(id)", id))
        #expect(Instance.mentions("\(id) [INFO] starting", id))
        #expect(Instance.mentions("héllo 🎉 \(id), done", id))
        #expect(Instance.mentions(id, id))
    }

    @Test func nearMissesAreNotMentions() {
        let id = "0f9d1c2e-8b7a-4c3d-9e8f-123456789abc"
        #expect(!Instance.mentions("FC Invoke Start RequestId: 0f9d1c2e-8b7a-4c3d-9e8f-123456789abd", id))
        #expect(!Instance.mentions(String(id.dropLast()), id), "a line shorter than the id")
        #expect(!Instance.mentions("", id))
        #expect(!Instance.mentions("anything", ""))
        #expect(Instance.mentions("aaab", "aab"), "a partial match before the real one")
        #expect(!Instance.mentions("abab", "abb"))
    }

    @Test func aLogLimitTooLargeToCountIsNoLimit() {
        var configuration = RuntimeConfiguration()
        #expect(configuration.logBudget.map { $0.bytesPerSecond } == Double(16 * 1_048_576))
        for unlimited in [0, .infinity, 1e308] {
            configuration.logRateLimitMB = unlimited
            #expect(configuration.logBudget == nil, "\(unlimited) MB/s")
        }
    }
}
