import Crypto
import Foundation
import Logging
import RosterCore
import Testing
@testable import RosterStore

/// Each test gets its own SQLite file in a fresh folder, closed when the test ends.
func withStore(_ body: (SQLStore) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try await SQLStore.openSQLite(path: folder.appendingPathComponent("test.sqlite").path,
                                              secrets: SecretBox(key: SymmetricKey(size: .bits256)), logger: Logger(label: "test"))
    do { try await body(store) } catch { try await store.shutdown(); throw error }
    try await store.shutdown()
}

@Suite struct SQLStoreTests {
    let application = Application(name: "App")

    func job(_ store: SQLStore) async throws -> ImportJob {
        let job = ImportJob(applicationId: application.id, initiator: .system, selection: .all, status: .running, total: 0)
        try await store.createJob(job)
        return job
    }

    func candidate(_ n: Int, email: String? = nil, job: ImportJob) -> ImportCandidate {
        let user = DirectoryUser(email: email ?? "User\(n)@Example.com", username: "user\(n)",
                                 source: .init(type: .import, applicationId: application.id, importJobId: job.id, remoteId: "r\(n)"))
        return ImportCandidate(remoteId: "r\(n)", userName: "user\(n)", mapped: .success(user))
    }

    var rules: ImportBatchRules {
        ImportBatchRules(
            resolveConflict: { c, existing in ImportResult(remoteId: c.remoteId, userName: c.userName, outcome: .skipped, userId: existing.id) },
            createdEvent: { user in InsightsEvent(type: "user_create", initiator: .system, resource: .init(type: "user", id: user.id.uuidString, name: user.email)) })
    }

    @Test func concurrentBatchesOfTheSameUsersCreateEachUserOnce() async throws {
            // setup
        try await withStore { store in
            try await store.createApplication(application)
            let jobA = try await job(store), jobB = try await job(store)
            // MUT
            async let a = store.commitImportBatch(jobId: jobA.id, candidates: (0..<50).map { candidate($0, job: jobA) }, rules: rules)
            async let b = store.commitImportBatch(jobId: jobB.id, candidates: (0..<50).map { candidate($0, job: jobB) }, rules: rules)
            let (resultsA, resultsB) = try await (a, b)
            // validate
            let created = (resultsA + resultsB).filter { $0.outcome == .created }
            #expect(created.count == 50)
            #expect(Set(created.map(\.remoteId)).count == 50)
            #expect(try await store.users(search: nil, limit: 1000, offset: 0).count == 50)
            #expect(try await store.events(type: "user_create", limit: 1000).count == 50)
        }
    }

    @Test func emailAndUsernameAreUniqueWhateverTheirCase() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            let job = try await job(store)
            let results = try await store.commitImportBatch(
                jobId: job.id, candidates: [candidate(1, job: job), candidate(2, email: "USER1@example.COM", job: job)], rules: rules)
            #expect(results.map(\.outcome) == [.created, .skipped])
            #expect(try await store.usersMatching(keys: ["user1@EXAMPLE.com"]).count == 1)
        }
    }

    @Test func aBatchCommittedBeforeACrashIsNotCountedTwice() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            let job = try await job(store)
            _ = try await store.commitImportBatch(jobId: job.id, candidates: (0..<10).map { candidate($0, job: job) }, rules: rules)
            let again = try await store.commitImportBatch(jobId: job.id, candidates: (0..<12).map { candidate($0, job: job) }, rules: rules)
            #expect(again.map(\.remoteId) == ["r10", "r11"])
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.created == 12)
            #expect(try await store.results(jobId: job.id).map(\.remoteId) == (0..<12).map { "r\($0)" })
        }
    }

    @Test func aJobWhoseLeaseRanOutIsTakenOverByAnotherWorker() async throws {
        try await withStore { store in
            let id = try await store.enqueue(kind: "import", payload: "x")
            let first = try #require(try await store.claim(owner: "a", leaseSeconds: 0))
            #expect(first.id == id)
            try await Task.sleep(for: .milliseconds(20))
            let second = try #require(try await store.claim(owner: "b", leaseSeconds: 30))
            #expect(second.id == id && second.attempts == 2)
            #expect(try await store.renew(jobId: id, owner: "a", leaseSeconds: 30) == false)
            #expect(try await store.claim(owner: "c", leaseSeconds: 30) == nil)
            try await store.finish(jobId: id, owner: "b", error: nil)
            #expect(try await store.claim(owner: "c", leaseSeconds: 30) == nil)
        }
    }

    @Test func applicationNamesAreUniqueAndCredentialsAreStoredEncrypted() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            await #expect(throws: RosterError.self) { try await store.createApplication(Application(name: "APP")) }
            try await store.saveIntegration(Integration(applicationId: application.id, baseURL: "http://sp", credentials: .bearer(token: "tok-secret")))
            let row = try await store.withDB { db in try await db.raw("SELECT credentials FROM integrations").first() }
            #expect(try row?.string("credentials").contains("tok-secret") == false)
            #expect(try await store.integration(applicationId: application.id)?.credentials == .bearer(token: "tok-secret"))
        }
    }

    @Test func migrationsRevertAndApplyAgain() async throws {
        try await withStore { store in
            try await store.revertLastMigration()
            await #expect(throws: (any Error).self) { try await store.applications(search: nil) }
            try await store.migrate()
            #expect(try await store.applications(search: nil).isEmpty)
        }
    }
}
