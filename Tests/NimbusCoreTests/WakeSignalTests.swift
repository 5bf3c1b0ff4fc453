import NimbusCore
import Testing

@Suite struct WakeSignalTests {
    @Test func anEarlyWakeLeavesNoSignalBehind() async throws {
        let signal = WakeSignal()
        signal.signal()
        await signal.wait(upTo: 5)  // returns at once: the signal was pending
        let started = ContinuousClock.now
        await signal.wait(upTo: 0.3)  // nothing pending now: it must wait for its timeout
        #expect(ContinuousClock.now - started >= .milliseconds(250))
    }
}
