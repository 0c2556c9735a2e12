import Foundation
import Logging
import RosterCore
import RosterTestSupport
import SQLKit
import Synchronization
import Testing

@testable import RosterStore

/// A mail sender that counts deliveries per message.
final class CountingSender: MailSender {
    let deliveries = Mutex<[UUID: Int]>([:])
    func send(_ mail: OutboxMail) async throws {
        try await Task.sleep(for: .milliseconds(1))
        deliveries.withLock { $0[mail.id, default: 0] += 1 }
    }
}

@Suite struct QueueAndMailTests {
    @Test func twoSendersOnOneDatabaseDeliverEachMessageExactlyOnce() async throws {
        try await withStore { store in
            // setup
            for i in 0..<30 {
                try await store.enqueueMail(
                    OutboxMail(
                        EmailMessage(
                            from: "r@example.com", to: "u\(i)@example.com",
                            subject: "s\(i)", text: "x")))
            }
            let sender = CountingSender()
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let handlers: [JobKind: any JobHandler] = [
                .mail: MailDelivery(storage: store, sender: sender, logger: logger)
            ]
            let a = Worker(storage: store, handlers: handlers, kinds: [.mail], logger: logger)
            let b = Worker(storage: store, handlers: handlers, kinds: [.mail], logger: logger)
            // MUT
            async let ranA = a.runUntilIdle()
            async let ranB = b.runUntilIdle()
            let total = try await ranA + ranB
            // validate
            #expect(total == 30)
            let counts = sender.deliveries.withLock { $0 }
            #expect(counts.count == 30 && counts.values.allSatisfy { $0 == 1 })
            #expect(try await store.mails(limit: 100).allSatisfy { $0.sent != nil })
        }
    }

    @Test func heldWorkIsReleasedAndCancelledPerApplication() async throws {
        try await withStore { store in
            // setup
            let (appA, appB, user) = (UUID(), UUID(), UUID())
            try await store.enqueueOnce(.provisionUser(applicationId: appA, userId: user), held: true)
            try await store.enqueueOnce(.provisionUser(applicationId: appA, userId: user), held: false)
            try await store.enqueueOnce(.provisionUser(applicationId: appB, userId: user), held: true)
            try await store.enqueueOnce(.provisionGroup(applicationId: appB, groupId: UUID()), held: false)
            // MUT, validate: the same work coalesces (held wins); release and cancel touch one application
            #expect(try await store.queue(limit: 10).count == 3)
            #expect(try await store.releaseHeld(applicationId: appA) == 1)
            let cancelled = try await store.cancelQueued(
                kinds: [.provisionUser, .provisionGroup], applicationId: appB, error: "off")
            #expect(Set(try cancelled.map { try $0.payload().applicationId }) == [appB] && cancelled.count == 2)
            let claimed = try await store.claim(owner: "w", lease: .seconds(30), kinds: [.provisionUser])
            #expect(try claimed?.payload() == .provisionUser(applicationId: appA, userId: user))
        }
    }

    @Test func theSameWorkQueuedAtOnceByTwoInstancesWaitsOnce() async throws {
        // PostgreSQL's: SQLite's IMMEDIATE transaction holds its one write lock by construction, and two
        // SQLite stores in one test process would only wait on each other's busy loops for threads.
        try await TestStores.each(instances: 2) { backend, stores in
            guard backend == .postgres else { return }
            for _ in 0..<20 {
                // setup: one user's change seen by two instances at the same moment
                let push = JobPayload.provisionUser(applicationId: UUID(), userId: UUID())
                // MUT
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in stores + stores {
                        group.addTask { try await store.enqueueOnce(push, held: false) }
                    }
                    try await group.waitForAll()
                }
                // validate
                let waiting = try await stores[0].queue(limit: 10_000).filter { try $0.job.payload() == push }
                #expect(waiting.count == 1)
            }
        }
    }

    @Test func workersClaimingAtTheSameMomentNeverRunTheSameWorkTwice() async throws {
        try await withStore { store in
            // The queue's clock stands still: on a busy machine the rounds took longer than a lease,
            // and an earlier round's job, its lease run out, was rightly taken over.
            let now = Date()
            store.setClock { now }
            for _ in 0..<20 {
                // setup: the same group push queued twice (a change while the first push waited)
                let push = JobPayload.provisionGroup(applicationId: UUID(), groupId: UUID())
                _ = try await store.enqueue(push)
                _ = try await store.enqueue(push)
                // MUT: workers claim side by side, as one instance's concurrent workers do
                let claimed = try await withThrowingTaskGroup(of: QueuedJob?.self) { group in
                    for i in 0..<4 {
                        group.addTask {
                            try await store.claim(owner: "w\(i)", lease: .seconds(30), kinds: [.provisionGroup])
                        }
                    }
                    return try await group.reduce(into: [QueuedJob]()) { if let job = $1 { $0.append(job) } }
                }
                // validate: one runs; the other waits for it to finish
                #expect(claimed.count == 1)
            }
        }
    }

    @Test func migrationFourRewritesOldPayloadsAndUpperCaseIds() async throws {
        try await withStore { store in
            // setup: the database as migration 3 left it, with rows written the old way
            try await store.revertLastMigration()  // 17
            try await store.revertLastMigration()  // 16
            try await store.revertLastMigration()  // 15
            try await store.revertLastMigration()  // 14
            try await store.revertLastMigration()  // 13
            try await store.revertLastMigration()  // 12
            try await store.revertLastMigration()  // 11
            try await store.revertLastMigration()  // 10
            try await store.revertLastMigration()  // 9
            try await store.revertLastMigration()  // 8
            try await store.revertLastMigration()  // 7
            try await store.revertLastMigration()  // 6
            try await store.revertLastMigration()  // 5
            try await store.revertLastMigration()  // 4
            let (app, user, job, event) = (UUID(), UUID(), UUID(), UUID())
            try await store.withDB { db in
                for (kind, payload) in [
                    ("provision-user", "\(app.uuidString)/\(user.uuidString)"), ("import", job.uuidString.lowercased()),
                ] {
                    try await db.raw(
                        """
                        INSERT INTO jobs (id, kind, payload, status, run_after, attempts, created)
                        VALUES (\(bind: UUID().text), \(bind: kind), \(bind: payload), 'queued', 0, 0, 0)
                        """
                    ).run()
                }
                try await db.raw(
                    """
                    INSERT INTO insights_events (id, time, type, initiator_type, resource_type, resource_id, success)
                    VALUES (\(bind: event.text), 0, 'provision_addMembers', 'system', 'user',
                      \(bind: user.uuidString), 1)
                    """
                ).run()
            }
            // MUT
            try await store.migrate()
            // validate
            let payloads = try await store.queue(limit: 10).map { try $0.job.payload() }
            #expect(Set(payloads) == [.provisionUser(applicationId: app, userId: user), .importJob(importJobId: job)])
            #expect(try await store.releaseHeld(applicationId: app) == 0)
            let stored = try #require(try await store.events(InsightsQuery()).first)
            #expect(stored.type == .provisionAddMembers && stored.resource?.id == user.text)
            // and back: the revert restores the old forms
            try await store.revertLastMigration()  // 17
            try await store.revertLastMigration()  // 16
            try await store.revertLastMigration()  // 15
            try await store.revertLastMigration()  // 14
            try await store.revertLastMigration()  // 13
            try await store.revertLastMigration()  // 12
            try await store.revertLastMigration()  // 11
            try await store.revertLastMigration()  // 10
            try await store.revertLastMigration()  // 9
            try await store.revertLastMigration()  // 8
            try await store.revertLastMigration()  // 7
            try await store.revertLastMigration()  // 6
            try await store.revertLastMigration()  // 5
            try await store.revertLastMigration()  // 4
            let old = try await store.withDB { db in
                try await db.raw("SELECT payload FROM jobs WHERE kind = 'provision-user'").first()?.string("payload")
            }
            #expect(old == "\(app.text)/\(user.text)")
            try await store.migrate()
        }
    }
}
