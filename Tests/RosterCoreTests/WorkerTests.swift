import Foundation
import Logging
import Testing

@testable import RosterCore

/// A handler that does what a test tells it.
struct ScriptedHandler: JobHandler {
    let outcome: @Sendable (Int, Lease) async throws -> JobOutcome
    func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome {
        try await outcome(attempt, lease)
    }
}

@Suite struct WorkerTests {
    let storage = InMemoryStorage()

    func worker(_ handler: ScriptedHandler, lease: Duration = .seconds(30)) -> Worker {
        var worker = Worker(
            storage: storage, handlers: [.importJob: handler], kinds: [.importJob], logger: Harness.logger)
        worker.lease = lease
        return worker
    }

    @Test func aJobThatOutlivesItsLeaseKeepsItBecauseTheWorkerRenewsIt() async throws {
        // setup: a job that takes five lease lengths
        let id = try await storage.enqueue(.importJob(importJobId: UUID()))
        let running = worker(
            ScriptedHandler { _, _ in
                try await Task.sleep(for: .milliseconds(750))
                return .done
            },
            lease: .milliseconds(150))
        let other = worker(
            ScriptedHandler { _, _ in
                Issue.record("the job ran twice")
                return .done
            }, lease: .milliseconds(150))
        // MUT
        async let ran = running.runOne()
        var stolen = 0
        for _ in 0..<10 {
            try await Task.sleep(for: .milliseconds(60))
            if try await other.runOne() != nil { stolen += 1 }
        }
        // validate
        #expect(try await ran?.id == id)
        #expect(stolen == 0)
        #expect(await storage.jobs(.importJob, status: "done").count == 1)
    }

    @Test func aJobWhoseWorkerDiedIsTakenOverAfterTheLeaseAndRunsAgain() async throws {
        // setup: a worker claimed the job and died (it never renews nor finishes)
        let id = try await storage.enqueue(.importJob(importJobId: UUID()))
        _ = try await storage.claim(owner: "dead", lease: .milliseconds(50), kinds: [.importJob])
        let next = worker(
            ScriptedHandler { attempt, _ in
                #expect(attempt == 2)
                return .done
            })
        #expect(try await next.runOne() == nil, "the lease still runs")
        // MUT
        try await Task.sleep(for: .milliseconds(80))
        let taken = try await next.runOne()
        // validate
        #expect(taken?.id == id && taken?.attempts == 2)
        #expect(await storage.jobs(.importJob, status: "done").count == 1)
    }

    @Test func aWorkerThatLostItsLeaseLeavesTheJobToItsSuccessor() async throws {
        // setup: while the job runs, another worker takes it over (as after a long pause)
        let storage = self.storage
        _ = try await storage.enqueue(.importJob(importJobId: UUID()))
        let slow = worker(
            ScriptedHandler { _, lease in
                _ = try await storage.claim(owner: "successor", lease: .seconds(30), kinds: [.importJob])
                try await Task.sleep(for: .milliseconds(150))
                #expect(!lease.isHeld, "the renewal found the job taken")
                return .failed("must not be recorded")
            }, lease: .milliseconds(0))
        // MUT
        try await storage.setNow { Date().addingTimeInterval(1) }  // the first lease has run out
        _ = try await slow.runOne()
        // validate
        let job = try #require(await storage.jobs.first)
        #expect(job.status == "running" && job.leaseOwner == "successor" && job.lastError == nil)
    }

    @Test func eachOutcomeIsRecordedAsTheHandlerSaysAndAThrownErrorFailsTheJob() async throws {
        // setup
        let outcomes: [(JobOutcome?, String)] = [
            (.retry(after: .seconds(60), reason: "busy"), "queued"), (.hold("wait"), "held"),
            (.failed("no"), "failed"), (nil, "failed"),
        ]
        for (outcome, status) in outcomes {
            let storage = InMemoryStorage()
            let id = try await storage.enqueue(.importJob(importJobId: UUID()))
            var worker = Worker(
                storage: storage,
                handlers: [
                    .importJob: ScriptedHandler { _, _ in
                        guard let outcome else { throw RosterError.serviceProvider("the provider broke") }
                        return outcome
                    }
                ], kinds: [.importJob], logger: Harness.logger)
            worker.lease = .seconds(30)
            // MUT
            _ = try await worker.runOne()
            // validate
            let job = try #require(await storage.jobs.first { $0.id == id })
            #expect(job.status == status)
            if status == "queued" { #expect(job.runAfter > Date().addingTimeInterval(50), "retried a minute later") }
            if outcome == nil { #expect(job.lastError == "the provider broke") }
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
