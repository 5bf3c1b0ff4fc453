import Foundation

/// The scheduling decisions for one function's instances, as a value type with no I/O.
///
/// The supervisor feeds it events (a call arrives, an instance is ready, a call finished, an
/// instance died, time passed) and carries out the actions it returns (start an instance, hand an
/// instance to a waiting call, fail waiting calls, stop idle instances). Calls go to the
/// least-loaded ready instance; a new instance starts only when the queued calls outnumber the
/// capacity already starting, never beyond `maximumInstances` nor the platform's `headroom`; and
/// `minimumInstances` (provisioned instances) are kept running whether or not calls come.
package struct InstancePool: Sendable {
    package typealias InstanceID = Int
    package typealias CallID = Int

    package struct Limits: Sendable, Equatable {
        /// Calls one instance serves at once (FC's `instanceConcurrency`).
        package var concurrency: Int
        package var maximumInstances: Int
        package var minimumInstances: Int

        package init(concurrency: Int, maximumInstances: Int, minimumInstances: Int = 0) {
            self.concurrency = max(1, concurrency)
            self.minimumInstances = max(0, minimumInstances)
            self.maximumInstances = max(1, maximumInstances, self.minimumInstances)
        }
    }

    enum Slot: Sendable, Equatable {
        case starting
        case ready(active: Int, idleSince: Date?)
    }

    /// What the supervisor must do next.
    package enum Action: Sendable, Equatable {
        /// Start a new instance with this id; report `ready` or `failedToStart`.
        case start(InstanceID)
        /// Run the call on the instance (its slot is already counted as taken).
        case run(CallID, on: InstanceID)
        /// These calls can't be served (their instance could not start).
        case fail([CallID])
        /// Stop these instances (idle past the limit); they are already forgotten.
        case stop([InstanceID])
    }

    package private(set) var limits: Limits
    private var slots: [InstanceID: Slot] = [:]
    private var queue: [CallID] = []
    private var nextInstance = 1

    package init(limits: Limits) {
        self.limits = limits
    }

    package var instanceCount: Int { slots.count }
    package var readyCount: Int { slots.values.filter { $0 != .starting }.count }
    package var waitingCount: Int { queue.count }
    package var startingCount: Int { slots.values.filter { $0 == .starting }.count }
    package var activeCalls: Int {
        slots.values.reduce(0) { total, slot in
            if case .ready(let active, _) = slot { return total + active }
            return total
        }
    }

    /// A call arrives: run it on the least-loaded ready instance, or queue it (starting capacity if needed).
    package mutating func arrive(_ call: CallID, now: Date, headroom: Int = .max) -> [Action] {
        if let instance = leastLoaded() {
            take(instance)
            return [.run(call, on: instance)]
        }
        queue.append(call)
        return startIfNeeded(headroom: headroom)
    }

    /// A warm call that must not wait: a slot on the least-loaded ready instance, or nil (nothing is
    /// free, or calls are already queued and go first). Finish it with `finished(on:now:)`.
    package mutating func claim() -> InstanceID? {
        guard queue.isEmpty, let instance = leastLoaded() else { return nil }
        take(instance)
        return instance
    }

    /// New limits (an on-demand cap or a provisioned target changed); may start instances.
    package mutating func update(limits: Limits, headroom: Int = .max) -> [Action] {
        self.limits = limits
        return startIfNeeded(headroom: headroom)
    }

    /// Platform capacity was freed elsewhere: start what queued calls or the minimum still need.
    package mutating func startWhatIsNeeded(headroom: Int) -> [Action] {
        startIfNeeded(headroom: headroom)
    }

    /// An instance finished starting (and initializing): give it queued calls up to its concurrency.
    package mutating func ready(_ instance: InstanceID, now: Date) -> [Action] {
        guard slots[instance] == .starting else { return [] }
        slots[instance] = .ready(active: 0, idleSince: now)
        return drain(into: instance, now: now)
    }

    /// An instance could not start: the calls it was started for fail, as FC fails the pending call.
    package mutating func failedToStart(_ instance: InstanceID) -> [Action] {
        guard slots.removeValue(forKey: instance) != nil else { return [] }
        let covered = queue.count - startingCount * limits.concurrency
        guard covered > 0 else { return [] }
        let failed = Array(queue.prefix(min(covered, limits.concurrency)))
        queue.removeFirst(failed.count)
        return [.fail(failed)]
    }

    /// A call finished on an instance: the slot serves the next queued call, or the instance idles.
    package mutating func finished(on instance: InstanceID, now: Date) -> [Action] {
        guard case .ready(let active, _) = slots[instance] else { return [] }
        let remaining = max(0, active - 1)
        slots[instance] = .ready(active: remaining, idleSince: remaining == 0 ? now : nil)
        return drain(into: instance, now: now)
    }

    /// An instance died (crash, timeout kill, stop): forget it; queued calls may need a new one.
    package mutating func exited(_ instance: InstanceID, headroom: Int = .max) -> [Action] {
        guard slots.removeValue(forKey: instance) != nil else { return [] }
        return startIfNeeded(headroom: headroom)
    }

    /// A queued call gave up (its deadline passed); returns false if it was not queued any more.
    package mutating func cancel(_ call: CallID) -> Bool {
        guard let index = queue.firstIndex(of: call) else { return false }
        queue.remove(at: index)
        return true
    }

    /// Instances idle since before `now - idleTimeout` are stopped.
    package mutating func reap(now: Date, idleTimeout: TimeInterval) -> [Action] {
        var idle = slots.compactMap { id, slot -> InstanceID? in
            if case .ready(0, let since?) = slot, now.timeIntervalSince(since) >= idleTimeout { return id }
            return nil
        }.sorted()
        idle = Array(idle.prefix(max(0, slots.count - limits.minimumInstances)))  // provisioned ones stay
        guard !idle.isEmpty else { return [] }
        for id in idle { slots[id] = nil }
        return [.stop(idle)]
    }

    /// Stops everything (shutdown): returns the instances to stop and the calls to fail.
    package mutating func drainAll() -> [Action] {
        let instances = slots.keys.sorted()
        let calls = queue
        slots = [:]
        queue = []
        return (calls.isEmpty ? [] : [.fail(calls)]) + (instances.isEmpty ? [] : [.stop(instances)])
    }

    private func leastLoaded() -> InstanceID? {
        var best: (id: InstanceID, active: Int)?
        for (id, slot) in slots {
            guard case .ready(let active, _) = slot, active < limits.concurrency else { continue }
            if best == nil || active < best!.active || (active == best!.active && id < best!.id) {
                best = (id, active)
            }
        }
        return best?.id
    }

    private mutating func take(_ instance: InstanceID) {
        if case .ready(let active, _) = slots[instance] { slots[instance] = .ready(active: active + 1, idleSince: nil) }
    }

    private mutating func drain(into instance: InstanceID, now: Date) -> [Action] {
        var actions: [Action] = []
        while !queue.isEmpty, case .ready(let active, _) = slots[instance], active < limits.concurrency {
            take(instance)
            actions.append(.run(queue.removeFirst(), on: instance))
        }
        return actions
    }

    private mutating func startIfNeeded(headroom: Int) -> [Action] {
        var actions: [Action] = []
        var headroom = headroom
        while queue.count > startingCount * limits.concurrency || slots.count < limits.minimumInstances,
            slots.count < limits.maximumInstances, headroom > 0
        {
            headroom -= 1
            let id = nextInstance
            nextInstance += 1
            slots[id] = .starting
            actions.append(.start(id))
        }
        return actions
    }
}
