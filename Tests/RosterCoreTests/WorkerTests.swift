import Foundation
import Logging
import RosterStore
import RosterTestSupport
import Synchronization
import Testing

@testable import RosterCore

/// A handler that does what a test tells it.
struct ScriptedHandler: JobHandler {
    let outcome: @Sendable (Int, Lease) async throws -> JobOutcome
    func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome {
        try await outcome(attempt, lease)
    }
}

/// A clock a test moves by hand: the store's leases read it.
final class TestClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The wait of a worker's lease renewer, driven by the test: each wait is announced, and ends when
/// the test ticks (or the renewer is cancelled, as when its job ends). A renewal happens exactly
/// when the test says, however busy the machine is.
final class RenewalTicks: Sendable {
    private struct State {
        var waiting: [UUID: CheckedContinuation<Void, any Error>] = [:]
        var watchers: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func wait(_ duration: Duration) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let watchers = state.withLock { state in
                    state.waiting[id] = continuation
                    defer { state.watchers = [] }
                    return state.watchers
                }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Returns once the renewer waits (again).
    func untilWaiting() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if !state.waiting.isEmpty { return true }
                state.watchers.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Ends the renewer's wait: it renews, then waits again (``untilWaiting()``).
    func tick() {
        let waiting = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// A gate a handler waits at until the test opens it, and says when it got there.
final class Gate: Sendable {
    private let arrived = Mutex<(here: Bool, open: Bool, waiters: [CheckedContinuation<Void, Never>])>(
        (false, false, []))

    func pass() async {
        await withCheckedContinuation { continuation in
            let open = arrived.withLock { state in
                state.here = true
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func untilArrived() async {
        while !arrived.withLock({ $0.here }) { await Task.yield() }
    }

    func open() {
        let waiters = arrived.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite struct WorkerTests {
    func worker(
        _ storage: SQLStore, _ handler: ScriptedHandler, lease: Duration = .seconds(30), ticks: RenewalTicks? = nil
    ) -> Worker {
        var worker = Worker(
            storage: storage, handlers: [.importJob: handler], kinds: [.importJob], logger: Harness.logger)
        worker.lease = lease
        if let ticks { worker.renewalWait = { try await ticks.wait($0) } }
        return worker
    }

    func status(_ storage: SQLStore, _ id: UUID) async throws -> QueuedJobStatus? {
        try await storage.queue(limit: 1000).first { $0.job.id == id }
    }

    @Test func aJobThatOutlivesItsLeaseKeepsItBecauseTheWorkerRenewsIt() async throws {
        try await TestStores.each { _, stores in
            // setup: a job held at a gate while the clock runs five lease lengths
            let storage = stores[0]
            let clock = TestClock()
            storage.setClock { clock.now }
            let id = try await storage.enqueue(.importJob(importJobId: UUID()))
            let gate = Gate(), ticks = RenewalTicks()
            let running = worker(
                storage,
                ScriptedHandler { _, _ in
                    await gate.pass()
                    return .done
                }, ticks: ticks)
            let other = worker(
                storage,
                ScriptedHandler { _, _ in
                    Issue.record("the job ran twice")
                    return .done
                })
            // MUT
            async let ran = running.runOne()
            await gate.untilArrived()
            for _ in 0..<5 {
                await ticks.untilWaiting()
                clock.advance(20)  // two thirds of the lease: without the renewal, the second step loses it
                ticks.tick()
                await ticks.untilWaiting()  // renewed
                // validate: the other worker finds nothing to take
                #expect(try await other.runOne() == nil)
            }
            gate.open()
            // validate
            #expect(try await ran?.id == id)
            #expect(try await status(storage, id)?.status == "done")
        }
    }

    @Test func aJobWhoseWorkerDiedIsTakenOverAfterTheLeaseAndRunsAgain() async throws {
        try await TestStores.each { _, stores in
            // setup: a worker claimed the job and died (it never renews nor finishes)
            let storage = stores[0]
            let clock = TestClock()
            storage.setClock { clock.now }
            let id = try await storage.enqueue(.importJob(importJobId: UUID()))
            _ = try await storage.claim(owner: "dead", lease: .seconds(30), kinds: [.importJob])
            let next = worker(
                storage,
                ScriptedHandler { attempt, _ in
                    #expect(attempt == 2)
                    return .done
                })
            #expect(try await next.runOne() == nil, "the lease still runs")
            // MUT: the lease runs out
            clock.advance(31)
            let taken = try await next.runOne()
            // validate
            #expect(taken?.id == id && taken?.attempts == 2)
            #expect(try await status(storage, id)?.status == "done")
        }
    }

    @Test func aWorkerStoppedCleanlyPutsItsJobBackWithoutCountingATakeover() async throws {
        try await TestStores.each { _, stores in
            // setup: a job held at a gate when its worker is told to stop (the clock never moves)
            let storage = stores[0]
            let clock = TestClock()
            storage.setClock { clock.now }
            let id = try await storage.enqueue(.importJob(importJobId: UUID()))
            let gate = Gate()
            let stopping = worker(
                storage,
                ScriptedHandler { _, _ in
                    await gate.pass()
                    try await Task.sleep(for: .seconds(3600))  // ends only by cancellation
                    return .done
                })
            // MUT: the graceful stop cancels the worker while the job runs
            let run = Task { try await stopping.runOne() }
            await gate.untilArrived()
            gate.open()  // on to the sleep, which only the cancel ends (a sleep already cancelled ends at once)
            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
            // validate: queued again at once, as if never claimed, and the next worker takes it now
            let job = try #require(try await status(storage, id))
            #expect(job.status == "queued" && job.leaseOwner == nil && job.job.attempts == 0)
            let next = worker(
                storage, ScriptedHandler { attempt, _ in attempt == 1 ? .done : .failed("attempt \(attempt)") })
            let taken = try await next.runOne()
            #expect(taken?.id == id && taken?.takeovers == 0)
            #expect(try await status(storage, id)?.status == "done")
        }
    }

    @Test func aWorkerThatLostItsLeaseLeavesTheJobToItsSuccessor() async throws {
        try await TestStores.each { _, stores in
            // setup: while the job runs, its lease runs out and another worker takes it over
            let storage = stores[0]
            let clock = TestClock()
            storage.setClock { clock.now }
            let id = try await storage.enqueue(.importJob(importJobId: UUID()))
            let ticks = RenewalTicks()
            let slow = worker(
                storage,
                ScriptedHandler { _, lease in
                    clock.advance(31)
                    _ = try await storage.claim(owner: "successor", lease: .seconds(30), kinds: [.importJob])
                    await ticks.untilWaiting()
                    ticks.tick()
                    await ticks.untilWaiting()  // the renewal found the job taken
                    #expect(!lease.isHeld, "the renewal found the job taken")
                    return .failed("must not be recorded")
                }, ticks: ticks)
            // MUT
            _ = try await slow.runOne()
            // validate
            let job = try #require(try await status(storage, id))
            #expect(job.status == "running" && job.leaseOwner == "successor" && job.lastError == nil)
        }
    }

    @Test func eachOutcomeIsRecordedAsTheHandlerSaysAndAThrownErrorFailsTheJob() async throws {
        try await TestStores.each { _, stores in
            let storage = stores[0]
            let clock = TestClock()  // stands still: the retry's time is measured from it
            storage.setClock { clock.now }
            let outcomes: [(JobOutcome?, String)] = [
                (.retry(after: .seconds(60), reason: "busy"), "queued"), (.hold("wait"), "held"),
                (.failed("no"), "failed"), (nil, "failed"),
            ]
            for (outcome, expected) in outcomes {
                // setup
                let id = try await storage.enqueue(.importJob(importJobId: UUID()))
                let worker = worker(
                    storage,
                    ScriptedHandler { _, _ in
                        guard let outcome else { throw RosterError.serviceProvider("the provider broke") }
                        return outcome
                    })
                // MUT
                _ = try await worker.runOne()
                // validate
                let job = try #require(try await status(storage, id))
                #expect(job.status == expected)
                if expected == "queued" {
                    #expect(try #require(job.runAfter) == clock.now.addingTimeInterval(60), "retried a minute later")
                }
                if outcome == nil { #expect(job.lastError == "the provider broke") }
            }
        }
    }

    @Test func aJobWhosePayloadCannotBeReadFailsAndSaysWhy() async throws {
        // setup
        let payload = "{\"v\":99,\"importJobId\":\"x\"}"
        #expect(throws: RosterError.self) { try JobPayload(kind: "import", encoded: payload) }
        #expect(throws: RosterError.self) { try JobPayload(kind: "frobnicate", encoded: "{}") }
        // MUT, validate: payloads read back exactly, with lower-case ids
        let app = UUID(), user = UUID()
        let encoded = JobPayload.provisionUser(applicationId: app, userId: user).encoded()
        #expect(encoded == "{\"applicationId\":\"\(app.text)\",\"userId\":\"\(user.text)\",\"v\":1}")
        #expect(
            try JobPayload(kind: "provision-user", encoded: encoded) == .provisionUser(applicationId: app, userId: user)
        )
    }
}
