import Testing

@testable import NimbusCore

/// The nonce window: replays refused while their date could pass the skew check, memory bounded.
@Suite struct ReplayWindowTests {
    @Test func aNonceIsRefusedOncePerDate() {
        var window = ReplayWindow(capacity: 10, skewSeconds: 900)
        #expect(window.admit(nonce: "a", date: 1000, now: 1000) == .admitted)
        #expect(window.admit(nonce: "a", date: 1000, now: 1500) == .replayed)
        #expect(window.admit(nonce: "a", date: 1001, now: 1500) == .admitted, "another date is another request")
        #expect(window.admit(nonce: "b", date: 1000, now: 1500) == .admitted)
    }

    @Test func secondsPastTheSkewAreForgotten() {
        var window = ReplayWindow(capacity: 10, skewSeconds: 900)
        _ = window.admit(nonce: "a", date: 1000, now: 1000)
        _ = window.admit(nonce: "b", date: 1100, now: 1000)
        #expect(window.nonceCount == 2)
        _ = window.admit(nonce: "c", date: 1950, now: 1950)
        #expect(window.nonceCount == 2, "1000 is more than 900 s before 1950; 1100 is not")
        #expect(window.admit(nonce: "b", date: 1100, now: 1950) == .replayed)
    }

    @Test func underLoadTheOldestSecondIsForgottenAndRefusedFromThen() {
        var window = ReplayWindow(capacity: 3, skewSeconds: 900)
        #expect(window.admit(nonce: "a", date: 990, now: 1000) == .admitted)
        #expect(window.admit(nonce: "b", date: 995, now: 1000) == .admitted)
        #expect(window.admit(nonce: "c", date: 1000, now: 1000) == .admitted)
        #expect(window.admit(nonce: "d", date: 1000, now: 1000) == .admitted)
        #expect(window.nonceCount == 3)
        // 990's nonces are gone, so a request dated 990 or earlier can no longer be vouched for.
        #expect(window.admit(nonce: "a", date: 990, now: 1000) == .beforeWindow(floor: 990))
        #expect(window.admit(nonce: "z", date: 980, now: 1000) == .beforeWindow(floor: 990))
        #expect(window.admit(nonce: "b", date: 995, now: 1000) == .replayed)
    }

    @Test func manyNoncesInOneSecondStayBounded() {
        var window = ReplayWindow(capacity: 100, skewSeconds: 900)
        for index in 0..<1000 { _ = window.admit(nonce: "n\(index)", date: 1000 + Int64(index / 10), now: 1050) }
        #expect(window.nonceCount <= 100)
        #expect(window.admit(nonce: "n999", date: 1099, now: 1050) == .replayed)
    }
}
