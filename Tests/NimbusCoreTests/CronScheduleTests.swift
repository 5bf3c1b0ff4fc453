import Foundation
import NimbusCore
import Testing

struct CronScheduleTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(arguments: [
        ("0 0 4 * * *", "2026-11-27T06:40:37Z", "2026-11-28T04:00:00Z"),
        ("0 0/5 * * * *", "2026-11-27T06:40:37Z", "2026-11-27T06:45:00Z"),
        ("*/10 * * * * *", "2026-11-27T06:40:37Z", "2026-11-27T06:40:40Z"),
        ("0 30 9 * * MON-FRI", "2026-11-27T10:00:00Z", "2026-11-30T09:30:00Z"),  // Friday after 9:30 -> Monday
        ("0 0 0 1 JAN ?", "2026-11-27T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 12 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00Z"),
        ("0 15,45 * * * *", "2026-11-27T06:40:37Z", "2026-11-27T06:45:00Z"),
        ("@hourly", "2026-11-27T06:40:37Z", "2026-11-27T07:00:00Z"),
        ("CRON_TZ=Asia/Shanghai 0 0 8 * * *", "2026-11-27T06:40:37Z", "2026-11-28T00:00:00Z"),
    ])
    func nextTickOfFieldExpressions(expression: String, after: String, expected: String) throws {
        let schedule = try CronSchedule(parsing: expression)
        #expect(schedule.next(after: Self.date(after)) == Self.date(expected))
    }

    @Test(arguments: [("@every 1s", 1.0), ("@every 5m", 300), ("@every 1h30m", 5400), ("@every 90s", 90)])
    func everyIsAnIntervalFromTheLastTick(expression: String, seconds: Double) throws {
        let schedule = try CronSchedule(parsing: expression)
        let start = Self.date("2026-11-27T06:40:37Z")
        #expect(schedule.next(after: start) == start.addingTimeInterval(seconds))
    }

    @Test(arguments: [
        "", "* * * * *", "61 * * * * *", "0 0 25 * * *", "0 0 0 32 * *", "0 0 0 * 13 *", "@every", "@every 0s",
        "@every 5x", "@every 500ms", "CRON_TZ=Mars/Olympus 0 0 0 * * *", "0 0 0 * * 8", "a b c d e f",
    ])
    func malformedExpressionsAreRefusedByName(expression: String) {
        #expect(throws: NimbusError.self) { try CronSchedule(parsing: expression) }
    }

    @Test func timerTriggerValidationParsesTheExpression() {
        var spec = TriggerSpec()
        spec.triggerType = "timer"
        spec.triggerConfig = .object(["cronExpression": .string("0 0 99 * * *"), "enable": .bool(true)])
        #expect(throws: NimbusError.self) { try spec.validate() }
        spec.triggerConfig = .object(["cronExpression": .string("@every 1m"), "enable": .bool(true)])
        #expect(throws: Never.self) { try spec.validate() }
    }
}

struct TimerPlanTests {
    let start = CronScheduleTests.date("2026-11-27T06:40:00Z")

    @Test func nothingFiresBeforeTheFirstTick() throws {
        let decision = TimerPlan.decide(
            try CronSchedule(parsing: "@every 1m"), anchor: start, now: start + 30, runningSince: start)
        #expect(decision.fire == nil)
        #expect(decision.next == start + 60)
    }

    @Test func aDueTickFiresOnceAndNamesTheNext() throws {
        let decision = TimerPlan.decide(
            try CronSchedule(parsing: "@every 1m"), anchor: start, now: start + 60.2, runningSince: start)
        #expect(decision.fire == start + 60)
        #expect(decision.skipped == 0)
        #expect(decision.next == start + 120)
    }

    @Test(arguments: ["@every 1m", "0 * * * * *"])
    func missedTicksCollapseIntoTheLatest(expression: String) throws {
        // Down for an hour: 60 ticks were due; the latest fires, 59 are skipped.
        let decision = TimerPlan.decide(
            try CronSchedule(parsing: expression), anchor: start, now: start + 3600.5, runningSince: start + 3600.2)
        #expect(decision.fire == start + 3600)
        #expect(decision.skipped == 59)
        #expect(decision.next == start + 3660)
    }

    @Test(arguments: ["@every 1s", "* * * * * *"])
    func aLateSchedulerStillFiresEveryTickWhileRunning(expression: String) throws {
        // Nimbus ran all along but woke 3.5 s late: ticks 1, 2, 3 all fire, oldest first.
        let schedule = try CronSchedule(parsing: expression)
        var anchor = start
        var fired: [Date] = []
        while let tick = TimerPlan.decide(schedule, anchor: anchor, now: start + 3.5, runningSince: start - 10).fire {
            fired.append(tick)
            anchor = tick
        }
        #expect(fired == [start + 1, start + 2, start + 3])
    }

    @Test func theEventHasFCsTimerShape() throws {
        let bytes = TimerPlan.event(triggerName: "every-minute", tick: start, payload: "hello")
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
        #expect(object == ["triggerTime": "2026-11-27T06:40:00Z", "triggerName": "every-minute", "payload": "hello"])
    }
}
