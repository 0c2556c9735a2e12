import Foundation
import RosterTestSupport
import SCIM
import Synchronization
import Testing

@testable import RosterCore

@Suite struct ImportTests {
    @Test func aSmallImportCreatesEveryUserAtOnceRecordsWhoDidItAndEmailsTheResults() async throws {
        // setup
        try await Harness.run { h in
            let app = try await h.application()
            for i in 1...5 { h.provider.addUser("user\(i)", email: "user\(i)@example.com") }
            // MUT
            let outcome = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            // validate
            guard case .finished(let job, let results) = outcome else {
                Issue.record("not finished at once")
                return
            }
            #expect(job.status == .completed && job.created == 5)
            #expect(results.allSatisfy { $0.outcome == .created })
            let events = try await h.storage.events(InsightsQuery(type: .userCreate))
            #expect(events.count == 5)
            #expect(
                events.allSatisfy {
                    $0.application?.id == app.id && $0.importJobId == job.id
                        && $0.initiator.email == "admin@example.com"
                })
            #expect(
                Set(events.compactMap(\.resource?.id)) == Set(results.compactMap(\.userId?.text)),
                "events name users by lower-case id")
            try await h.work()
            #expect(h.sent.mails.map(\.recipient) == ["admin@example.com"])
            #expect(h.sent.mails.first?.subject == "Roster import from App: completed")
        }
    }

    @Test func aHundredUsersOrMoreAreQueuedAndAWorkerImportsThemAll() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            for i in 1...250 { h.provider.addUser("user\(i)", email: "user\(i)@example.com") }
            // MUT
            let outcome = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            guard case .queued(let queued) = outcome else {
                Issue.record("not queued")
                return
            }
            #expect(try await h.storage.userCount() == 0, "nothing is imported before a worker runs the job")
            try await h.work()
            // validate
            let (job, results) = try await h.domain.imports.job(id: queued.id, by: h.admin)
            #expect(job.status == .completed && job.created == 250 && job.total == 250)
            #expect(results.count == 250)
            #expect(h.sent.mails.count == 1)
        }
    }

    @Test func aUserThatCannotBeImportedFailsWithItsReasonAndTheOthersGoOn() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            let good = h.provider.addUser("good", email: "good@example.com")
            let bad = h.provider.addUser("not-an-address", email: nil)
            // MUT
            let outcome = try await h.domain.imports.start(
                application: "App", selection: .ids([good, bad]), by: h.admin)
            // validate
            guard case .finished(let job, let results) = outcome else {
                Issue.record("not finished at once")
                return
            }
            #expect(job.created == 1 && job.failed == 1 && job.status == .completed)
            #expect(results.first { $0.remoteId == bad }?.reason?.hasPrefix("no usable email") == true)
        }
    }

    @Test func usersAlreadyInTheDirectoryAreSkippedNeverUpdated() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            let existing = DirectoryUser(email: "ann@example.com", username: "ann", jobTitle: "Keeps this title")
            try await h.add(existing)
            let before = try #require(try await h.storage.user(id: existing.id))
            let remote = h.provider.addUser("ANN", email: "Ann@Example.com", displayName: "Someone else")
            // MUT
            let outcome = try await h.domain.imports.start(application: "App", selection: .ids([remote]), by: h.admin)
            // validate
            guard case .finished(_, let results) = outcome else {
                Issue.record("not finished at once")
                return
            }
            #expect(results.map(\.outcome) == [.skipped] && results.first?.userId == existing.id)
            #expect(try await h.storage.user(id: existing.id) == before)
        }
    }

    @Test func aJobResumedAfterACrashCreatesNoUserTwice() async throws {
        // setup: a worker committed the first batch, then died before finishing
        try await Harness.run { h in
            let app = try await h.application()
            let job = try await h.queuedImportOfAll(150)
            let first = h.provider.users.prefix(100).map { SCIMUser(json: $0) }
            let candidates = first.map { user in
                ImportCandidate(
                    remoteId: user.id!, userName: user.userName,
                    mapped: UserMapping.map(
                        user, source: .init(type: .import, applicationId: app.id, importJobId: job.id)))
            }
            _ = try await h.storage.commitImportBatch(
                jobId: job.id, candidates: candidates,
                rules: ImportRules.batchRules(application: app, job: job))
            // MUT
            try await h.work()
            // validate
            let (finished, results) = try await h.domain.imports.job(id: job.id, by: h.admin)
            #expect(finished.created == 150 && results.count == 150)
            #expect(try await h.storage.userCount() == 150)
        }
    }

    @Test func aRunningJobsTotalIsWrittenWithEachBatchItCommits() async throws {
        try await Harness.run { h in
            try await h.application()
            let job = try await h.queuedImportOfAll(350)
            // The job as stored when the provider is asked for its last page, held until the first
            // batch is committed: the total then counts the pages listed, more than the users done.
            let sample = Mutex<(total: Int, processed: Int)?>(nil)
            let storage = h.storage
            h.provider.onRequest.withLock {
                $0 = { request in
                    guard request.contains("/Users?"), request.contains("startIndex=201") else { return }
                    for _ in 0..<10_000 where (try? await storage.userCount()) == 0 {
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                    guard let stored = try? await storage.job(id: job.id) else { return }
                    sample.withLock { $0 = (stored.total, stored.created + stored.skipped + stored.failed) }
                }
            }
            try await h.work()
            let finished = try #require(try await h.storage.job(id: job.id))
            let running = try #require(sample.withLock { $0 })
            let seen: [(total: Int, processed: Int)] = [running, (finished.total, finished.created)]
            // Progress shows how many users were listed so far while the job runs, batch by batch.
            #expect(running.processed > 0 && running.processed < 350, "\(running)")
            #expect(seen.allSatisfy { $0.total >= $0.processed && $0.total <= 350 })
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.total <= $1.total })
            #expect(seen.last.map { $0.total == 350 && $0.processed == 350 } == true)
        }
    }

    @Test func deactivationStopsARunningImportAndKeepsWhatWasDone() async throws {
        // setup: the integration is deactivated while the provider is answering the second page,
        // once the first page is committed (which the pipeline may otherwise not have done yet)
        try await Harness.run { h in
            try await h.application()
            let job = try await h.queuedImportOfAll(350)
            let pages = Counter()
            let domain = h.domain, storage = h.storage
            h.provider.onRequest.withLock { hook in
                hook = { request in
                    guard request.contains("/Users?"), pages.next() == 2 else { return }
                    for _ in 0..<5_000 where (try? await storage.userCount()) == 0 {
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                    _ = try? await domain.applications.setActive(false, application: "App", by: .system)
                }
            }
            // MUT
            try await h.work()
            // validate
            let (stopped, _) = try await h.domain.imports.job(id: job.id, by: h.admin)
            #expect(stopped.status == .failed && stopped.reason == "integration deactivated")
            // Pages are fetched ahead while one is committed, so how many were committed before the
            // deactivation was seen depends on timing; what matters is whole pages, kept, and no more.
            #expect(stopped.created > 0 && stopped.created < 350 && stopped.created % 100 == 0)
            #expect(try await h.storage.userCount() == stopped.created, "what was committed stays")
            #expect(h.sent.mails.first?.subject.contains("integration deactivated") == true)
        }
    }

    @Test func anImportQueuedByAnAdministratorDisabledOrDeletedSinceIsNotRunNorMailedToThem() async throws {
        for leaves in ["disabled", "deleted"] {
            try await Harness.run { h in
                // setup: queued by the administrator, who then leaves before a worker takes it
                try await h.application()
                let job = try await h.queuedImportOfAll(120)
                let id = try #require(h.admin.id)
                if leaves == "disabled" {
                    var admin = try #require(try await h.storage.administrator(id: id))
                    admin.disabled = true
                    try await h.storage.updateAdministrator(admin)
                } else {
                    try await h.storage.deleteAdministrator(id: id)
                }
                // MUT
                try await h.work(kinds: [.importJob, .mail])
                // validate: nothing imported, the reason kept, no results mailed to the leaver
                let stopped = try #require(try await h.storage.job(id: job.id))
                #expect(stopped.status == .failed && stopped.created == 0)
                #expect(
                    stopped.reason
                        == "not run: admin@example.com \(leaves == "disabled" ? "is disabled" : "was deleted")")
                #expect(try await h.users().isEmpty)
                #expect(h.sent.mails.isEmpty)
            }
        }
    }

    @Test func aDatabaseFailureFailsTheJobAsRostersOwnNotTheProviders() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            let job = try await h.queuedImportOfAll(120)
            try await h.storage.failWrites(to: "import_results")
            // MUT
            try await h.work(kinds: [.importJob])
            // validate
            let failed = try #require(try await h.storage.job(id: job.id))
            #expect(failed.status == .failed)
            #expect(failed.reason?.hasPrefix("Roster failed") == true, "\(failed.reason ?? "")")
            // The driver's text stays in the log: a readonly key reads the stored reason.
            #expect(failed.reason?.contains("injected") == false, "\(failed.reason ?? "")")
            #expect(try await h.storage.integration(applicationId: job.applicationId)?.status == .active)
        }
    }

    @Test func theListingShowsEachStatusAndSortsLocallyWhenTheProviderCannot() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            try await h.add(DirectoryUser(email: "bea@example.com", username: "bea"))
            h.provider.addUser("carl", email: "carl@example.com")
            h.provider.addUser("bea", email: "bea@example.com")
            h.provider.addUser("anna", email: nil)
            h.provider.addUser("bea2", email: "carl@example.com")
            // MUT
            let listed = try await h.domain.remoteUsers.remoteUsers(
                application: "App", options: .init(sortBy: "userName"), by: h.admin)
            // validate
            #expect(listed.map(\.userName) == ["anna", "bea", "bea2", "carl"])
            #expect(listed.map(\.status) == [.invalid, .exists, .invalid, .new])
            #expect(listed[2].reason?.hasPrefix("duplicate") == true)
        }
    }

    @Test func aBadFilterIsTheAdministratorsMistakeNotTheProviders() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            // MUT, validate
            await #expect(throws: RosterError.self) {
                do {
                    _ = try await h.domain.remoteUsers.remoteUsers(
                        application: "App", options: .init(filter: "userName eq"), by: h.admin)
                } catch let error as RosterError {
                    #expect(!error.isServiceProviderFailure)
                    if case .invalid = error {} else { Issue.record("\(error) is not bad input") }
                    throw error
                }
            }
        }
    }
}
