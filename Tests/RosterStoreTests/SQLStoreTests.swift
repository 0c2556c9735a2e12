import Crypto
import Foundation
import Logging
import PostgresKit
import RosterCore
import RosterTestSupport
import Testing

@testable import RosterStore

/// Runs `body` on a fresh SQLite database and, when `ROSTER_TEST_POSTGRES_URL` is set, on a fresh
/// PostgreSQL one too (``TestStores``).
func withStore(_ body: (SQLStore) async throws -> Void) async throws {
    try await TestStores.each { _, stores in try await body(stores[0]) }
}

/// Runs `body` with `count` stores on one fresh database, as `count` instances of Roster have it.
func withStores(_ count: Int, _ body: ([SQLStore]) async throws -> Void) async throws {
    try await TestStores.each(instances: count) { _, stores in try await body(stores) }
}

@Suite struct SQLStoreTests {
    let application = Application(name: "App")

    func job(_ store: SQLStore) async throws -> ImportJob {
        let job = ImportJob(
            applicationId: application.id, initiator: .system, selection: .all, status: .running, total: 0)
        try await store.createJob(job)
        return job
    }

    func candidate(_ n: Int, email: String? = nil, job: ImportJob) -> ImportCandidate {
        let user = DirectoryUser(
            email: email ?? "User\(n)@Example.com", username: "user\(n)",
            source: .init(type: .import, applicationId: application.id, importJobId: job.id, remoteId: "r\(n)"))
        return ImportCandidate(remoteId: "r\(n)", userName: "user\(n)", mapped: .success(user))
    }

    var rules: ImportBatchRules {
        ImportBatchRules(
            resolveConflict: { c, existing in
                ImportResult(remoteId: c.remoteId, userName: c.userName, outcome: .skipped, userId: existing.id)
            },
            createdEvent: { user in
                InsightsEvent(
                    type: .userCreate, initiator: .system, resource: .init(type: "user", id: user.id, name: user.email))
            })
    }

    @Test func concurrentBatchesOfTheSameUsersCreateEachUserOnce() async throws {
        // setup
        try await withStore { store in
            try await store.createApplication(application)
            let jobA = try await job(store), jobB = try await job(store)
            // MUT
            async let a = store.commitImportBatch(
                jobId: jobA.id, candidates: (0..<50).map { candidate($0, job: jobA) }, rules: rules)
            async let b = store.commitImportBatch(
                jobId: jobB.id, candidates: (0..<50).map { candidate($0, job: jobB) }, rules: rules)
            let (resultsA, resultsB) = try await (a, b)
            // validate
            let created = (resultsA + resultsB).filter { $0.outcome == .created }
            #expect(created.count == 50)
            #expect(Set(created.map(\.remoteId)).count == 50)
            #expect(try await store.users(search: nil, sort: .email, limit: 1000, offset: 0).count == 50)
            #expect(try await store.events(InsightsQuery(type: .userCreate)).count == 50)
        }
    }

    @Test func emailAndUsernameAreUniqueWhateverTheirCase() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            let job = try await job(store)
            let results = try await store.commitImportBatch(
                jobId: job.id,
                candidates: [candidate(1, job: job), candidate(2, email: "USER1@example.COM", job: job)], rules: rules)
            #expect(results.map(\.outcome) == [.created, .skipped])
            #expect(try await store.usersMatching(keys: ["user1@EXAMPLE.com"]).count == 1)
        }
    }

    @Test func aChangeToAnotherUsersEmailOrAGroupToAnotherGroupsNameIsAConflictAndChangesNothing() async throws {
        try await withStore { store in
            let first = DirectoryUser(email: "a@example.com", username: "a")
            var second = DirectoryUser(email: "b@example.com", username: "b")
            try await store.createUser(first)
            try await store.createUser(second)
            second.email = "A@EXAMPLE.com"
            await #expect(throws: RosterError.self) { try await store.updateUser(second) }
            #expect(try await store.user(id: second.id)?.email == "b@example.com")
            let (one, two) = (UserGroup(name: "One"), UserGroup(name: "Two"))
            try await store.createGroup(one)
            try await store.createGroup(two)
            await #expect(throws: RosterError.conflict(#"a group named "ONE" already exists"#)) {
                try await store.renameGroup(id: two.id, name: "ONE")
            }
            #expect(try await store.group(id: two.id)?.name == "Two")
        }
    }

    @Test func aBatchCommittedBeforeACrashIsNotCountedTwice() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            let job = try await job(store)
            _ = try await store.commitImportBatch(
                jobId: job.id, candidates: (0..<10).map { candidate($0, job: job) }, rules: rules)
            let again = try await store.commitImportBatch(
                jobId: job.id, candidates: (0..<12).map { candidate($0, job: job) }, rules: rules)
            #expect(again.map(\.remoteId) == ["r10", "r11"])
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.created == 12)
            #expect(try await store.results(jobId: job.id).map(\.remoteId) == (0..<12).map { "r\($0)" })
        }
    }

    @Test func resultsAreReadInPagesAndTheCreatedCanBeLeftOut() async throws {
        try await withStore { store in
            // setup: six users, the second and fifth already in the directory
            try await store.createApplication(application)
            let job = try await job(store)
            let candidates = (0..<6).map { candidate($0, job: job) }
            _ = try await store.commitImportBatch(
                jobId: try await self.job(store).id, candidates: [candidates[1], candidates[4]], rules: rules)
            _ = try await store.commitImportBatch(jobId: job.id, candidates: candidates, rules: rules)
            // MUT
            let firstPage = try await store.results(jobId: job.id, after: -1, limit: 4, except: nil)
            let secondPage = try await store.results(
                jobId: job.id, after: try #require(firstPage.last).position, limit: 4, except: nil)
            let notCreated = try await store.results(jobId: job.id, after: -1, limit: 10, except: .created)
            // validate
            #expect((firstPage + secondPage).map(\.result.remoteId) == (0..<6).map { "r\($0)" })
            #expect(notCreated.map(\.result.remoteId) == ["r1", "r4"])
            #expect(notCreated.allSatisfy { $0.result.outcome == .skipped })
        }
    }

    @Test func aJobWhoseLeaseRanOutIsTakenOverByAnotherWorker() async throws {
        try await withStore { store in
            let all = Set(JobKind.allCases)
            let id = try await store.enqueue(.importJob(importJobId: UUID()))
            let first = try #require(try await store.claim(owner: "a", lease: .zero, kinds: all))
            #expect(first.id == id)
            try await Task.sleep(for: .milliseconds(20))
            let second = try #require(try await store.claim(owner: "b", lease: .seconds(30), kinds: all))
            #expect(second.id == id && second.attempts == 2)
            #expect(try await store.renew(jobId: id, owner: "a", lease: .seconds(30)) == false)
            #expect(try await store.claim(owner: "c", lease: .seconds(30), kinds: all) == nil)
            try await store.finish(jobId: id, owner: "b", error: nil)
            #expect(try await store.claim(owner: "c", lease: .seconds(30), kinds: all) == nil)
        }
    }

    @Test func applicationNamesAreUniqueAndCredentialsAreStoredEncrypted() async throws {
        try await withStore { store in
            try await store.createApplication(application)
            await #expect(throws: RosterError.self) { try await store.createApplication(Application(name: "APP")) }
            try await store.saveIntegration(
                Integration(
                    applicationId: application.id, baseURL: "http://sp", credentials: .bearer(token: "tok-secret")))
            let row = try await store.withDB { db in try await db.raw("SELECT credentials FROM integrations").first() }
            #expect(try row?.string("credentials").contains("tok-secret") == false)
            #expect(
                try await store.integration(applicationId: application.id)?.credentials == .bearer(token: "tok-secret"))
        }
    }

    @Test func onPostgresOneIndexPerKeyServesPrefixSearchAndOrder() async throws {
        try await withStore { store in
            guard store.dialect == .postgres else { return }
            for key in ["email_key", "username_key", "displayname_key", "lastname_key"] {
                let plan = try await store.withSession { db in
                    // A table this small is scanned anyway: only a plan that cannot use an index scans.
                    try await db.raw("SET enable_seqscan = off").run()
                    let rows = try await db.raw(
                        SQLQueryString("EXPLAIN SELECT id FROM users WHERE \(key) LIKE 'ab%' ORDER BY \(key) LIMIT 50")
                    ).all()
                    try await db.raw("RESET enable_seqscan").run()
                    return try rows.map { try $0.string("QUERY PLAN") }.joined(separator: "\n")
                }
                #expect(
                    plan.contains("Index") && !plan.contains("Seq Scan") && !plan.contains("Sort"), "\(key): \(plan)")
            }
        }
    }

    @Test func migrationsRevertAndApplyAgain() async throws {
        try await withStore { store in
            for _ in SQLStore.migrations { try await store.revertLastMigration() }
            await #expect(throws: (any Error).self) { try await store.applications(search: nil) }
            try await store.migrate()
            #expect(try await store.applications(search: nil).isEmpty)
        }
    }
}

/// A fresh job's batch is decided after one lookup and written in bulk (one run on SQLite's thread,
/// one statement on PostgreSQL); a resumed job's is resolved the general way. Both must record the same.
@Suite struct NewUsersBatchTests {
    let base = SQLStoreTests()

    var freshRules: ImportBatchRules {
        var rules = base.rules
        rules.mayHaveResults = false
        return rules
    }

    /// A fresh job's batch of `candidates`, as an import readies it.
    func batch(_ candidates: [ImportCandidate], job: ImportJob, postgres: Bool = false, listed: Int? = nil) throws
        -> ImportBatchWrite
    {
        var rules = freshRules
        rules.listed = listed
        return try ImportBatchWrite(jobId: job.id, candidates: candidates, rules: rules, postgres: postgres)
    }

    @Test func sqliteIsReachedBelowSQLiteNIOSoAnImportsStatementsArePreparedOnce() async throws {
        try await withStore { store in
            guard store.dialect == .sqlite else { return }
            // A SQLiteNIO that keeps its handle elsewhere would make every import slow, silently.
            #expect(store.direct != nil)
            let pageSize = try await store.db.raw("PRAGMA page_size").first()?.decode(column: "page_size", as: Int.self)
            #expect(pageSize == 16384)
        }
    }

    @Test func aFreshJobsBatchRecordsItsResultsInOrderWithTheJobsTotal() async throws {
        try await withStore { store in
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            let failed = ImportCandidate(
                remoteId: "bad", userName: "bad", mapped: .failure(.noUsableEmail))
            var rules = freshRules
            rules.listed = 6
            let first = try await store.commitImportBatch(
                jobId: job.id, candidates: [base.candidate(0, job: job), failed, base.candidate(1, job: job)],
                rules: rules)
            rules.listed = 9
            let second = try await store.commitImportBatch(
                jobId: job.id, candidates: (2..<5).map { base.candidate($0, job: job) }, rules: rules)
            #expect(first.map(\.outcome) == [.created, .failed, .created])
            #expect(second.map(\.outcome) == [.created, .created, .created])
            let stored = try #require(try await store.job(id: job.id))
            #expect((stored.created, stored.failed, stored.total) == (5, 1, 9))
            let positions = try await store.results(jobId: job.id, after: -1, limit: 10, except: nil)
            #expect(positions.map(\.position) == Array(0..<6))
            #expect(positions.map(\.result.remoteId) == ["r0", "bad", "r1", "r2", "r3", "r4"])
            #expect(try await store.events(InsightsQuery(type: .userCreate)).count == 5)
        }
    }

    @Test func aFreshJobsBatchThatMeetsAnExistingUserWritesNothingTwiceAndResolvesEach() async throws {
        try await withStore { store in
            try await store.createApplication(base.application)
            let earlier = try await base.job(store)
            _ = try await store.commitImportBatch(
                jobId: earlier.id, candidates: [base.candidate(2, job: earlier)], rules: freshRules)
            let job = try await base.job(store)
            let results = try await store.commitImportBatch(
                jobId: job.id,
                candidates: (0..<4).map { base.candidate($0, email: $0 == 2 ? "USER2@example.com" : nil, job: job) },
                rules: freshRules)
            #expect(results.map(\.outcome) == [.created, .created, .skipped, .created])
            let stored = try #require(try await store.job(id: job.id))
            #expect((stored.created, stored.skipped) == (3, 1))
            #expect(try await store.results(jobId: job.id).map(\.remoteId) == ["r0", "r1", "r2", "r3"])
            #expect(try await store.users(search: nil, sort: .email, limit: 100, offset: 0).count == 4)
            #expect(try await store.events(InsightsQuery(type: .userCreate)).count == 4)
        }
    }

    @Test func twoFreshJobsRacingForTheSameUsersCreateEachOnce() async throws {
        try await withStore { store in
            try await store.createApplication(base.application)
            let jobA = try await base.job(store), jobB = try await base.job(store)
            async let a = store.commitImportBatch(
                jobId: jobA.id, candidates: (0..<50).map { base.candidate($0, job: jobA) }, rules: freshRules)
            async let b = store.commitImportBatch(
                jobId: jobB.id, candidates: (0..<50).map { base.candidate($0, job: jobB) }, rules: freshRules)
            let (resultsA, resultsB) = try await (a, b)
            let created = (resultsA + resultsB).filter { $0.outcome == .created }
            #expect(Set(created.map(\.remoteId)).count == 50 && created.count == 50)
            #expect(try await store.events(InsightsQuery(type: .userCreate)).count == 50)
        }
    }

    func listing(_ listed: Int) -> ImportBatchRules {
        var rules = freshRules
        rules.listed = listed
        return rules
    }

    @Test func aBatchWhoseIntegrationIsNoLongerActiveWritesNothingOnEitherPath() async throws {
        try await withStore { store in
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            var fresh = freshRules, resumed = base.rules
            fresh.activeIntegration = base.application.id
            resumed.activeIntegration = base.application.id
            // No integration at all, then one deactivated: both stop the batch.
            await #expect(throws: IntegrationInactive(applicationId: base.application.id)) {
                try await store.commitImportBatch(
                    jobId: job.id, candidates: [base.candidate(0, job: job)], rules: fresh)
            }
            try await store.saveIntegration(
                Integration(applicationId: base.application.id, baseURL: "http://sp", credentials: .bearer(token: "t")))
            let written = try await store.commitImportBatch(
                jobId: job.id, candidates: [base.candidate(0, job: job)], rules: fresh)
            #expect(written.map(\.outcome) == [.created])
            try await store.setIntegrationStatus(applicationId: base.application.id, status: .deactivated)
            for rules in [fresh, resumed] {
                await #expect(throws: IntegrationInactive(applicationId: base.application.id)) {
                    try await store.commitImportBatch(
                        jobId: job.id, candidates: [base.candidate(1, job: job)], rules: rules)
                }
            }
            #expect(try await store.users(search: nil, sort: .email, limit: 100, offset: 0).count == 1)
            #expect(try await store.results(jobId: job.id).map(\.remoteId) == ["r0"])
            #expect(try #require(try await store.job(id: job.id)).created == 1)
        }
    }

    @Test func anEmptyBatchIsReadiedAndCommittedAsNothingOnEitherDatabase() async throws {
        try await withStore { store in
            // A page a schedule's filter emptied (a PostgreSQL batch of nothing once crashed readying it).
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            for rules in [freshRules, base.rules] {
                #expect(try await store.commitImportBatch(jobId: job.id, candidates: [], rules: rules).isEmpty)
            }
            let stored = try #require(try await store.job(id: job.id))
            #expect((stored.created, stored.skipped, stored.failed) == (0, 0, 0))
        }
    }

    @Test func aBatchOfAJobThatDoesNotExistWritesNothing() async throws {
        try await withStore { store in
            try await store.createApplication(base.application)
            let missing = ImportJob(
                applicationId: base.application.id, initiator: .system, selection: .all, status: .running, total: 0)
            for rules in [freshRules, base.rules] {
                await #expect(throws: RosterError.notFound("import job \(missing.id.text)")) {
                    try await store.commitImportBatch(
                        jobId: missing.id, candidates: [base.candidate(0, job: missing)], rules: rules)
                }
            }
            #expect(try await store.users(search: nil, sort: .email, limit: 100, offset: 0).isEmpty)
            #expect(try await store.results(jobId: missing.id).isEmpty)
        }
    }

    @Test func onPostgresABatchIsOneStatementAndAKnownUserIsResolvedWithoutHoldingTheOthersBack() async throws {
        try await withStore { store in
            guard store.dialect == .postgres else { return }
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            func batch(_ numbers: Range<Int>, failing: Bool = false, job: ImportJob) throws -> ImportBatchWrite {
                var candidates = numbers.map { base.candidate($0, job: job) }
                if failing {
                    candidates.append(ImportCandidate(remoteId: "bad", userName: nil, mapped: .failure(.noUsableEmail)))
                }
                return try self.batch(candidates, job: job, postgres: true, listed: numbers.upperBound)
            }
            let written = try await store.commitInOneStatement(
                try batch(0..<3, failing: true, job: job), rules: listing(3))
            #expect(written?.map(\.outcome) == [.created, .created, .created, .failed])
            // r2 is known now: another job's batch resolves it and writes r3 and r4 in the same statement.
            let later = try await base.job(store)
            let next = try await store.commitInOneStatement(try batch(2..<5, job: later), rules: listing(5))
            #expect(next?.map(\.outcome) == [.skipped, .created, .created])
            let laterJob = try #require(try await store.job(id: later.id))
            #expect((laterJob.created, laterJob.skipped, laterJob.total) == (2, 1, 5))
            // A batch whose every user failed to map writes its results alone.
            let failed = try self.batch(
                [ImportCandidate(remoteId: "x", userName: nil, mapped: .failure(.noUsableEmail))], job: job,
                postgres: true)
            #expect(try await store.commitInOneStatement(failed, rules: freshRules)?.map(\.outcome) == [.failed])
            #expect(try await store.users(search: nil, sort: .email, limit: 100, offset: 0).count == 5)
            #expect(try await store.events(InsightsQuery(type: .userCreate)).count == 5)
            let stored = try #require(try await store.job(id: job.id))
            #expect((stored.created, stored.skipped, stored.failed, stored.total) == (3, 0, 2, 3))
            let positions = try await store.results(jobId: job.id, after: -1, limit: 10, except: nil)
            #expect(positions.map(\.position) == Array(0..<5))
            #expect(positions.map(\.result.remoteId) == ["r0", "r1", "r2", "bad", "x"])
        }
    }

    @Test func theUsualBatchGoesManyRowsAStatementAndKeepsEveryRowsValuesAndPlace() async throws {
        try await withStore { store in
            guard let direct = store.direct else { return }
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            // Sizes that leave rows for one-row statements after the statements of many.
            let perStatement = SQLiteDirect.rowsPerStatement
            let sizes = [2 * perStatement + 37, perStatement, 1]
            var given: [DirectoryUser] = []
            for (index, size) in sizes.enumerated() {
                let numbers = given.count..<given.count + size
                let candidates = numbers.map { n in
                    var candidate = base.candidate(n, job: job)
                    guard case .success(var user) = candidate.mapped else { return candidate }
                    (user.lastname, user.displayname) = ("Last\(n)", n % 3 == 0 ? nil : "Person \(n)")
                    candidate.mapped = .success(user)
                    return candidate
                }
                given += candidates.compactMap { try? $0.mapped.get() }
                let batch = try self.batch(candidates, job: job)
                let written = try await store.commit(batch, rules: listing(given.count), on: direct)
                #expect(written?.count == size, "batch \(index)")
            }
            // Each user's values landed in its own columns, wherever its row was in a statement.
            for user in given {
                let stored = try #require(try await store.user(id: user.id))
                #expect(
                    [stored.email, stored.username, stored.lastname, stored.displayname, stored.source.remoteId]
                        == [user.email, user.username, user.lastname, user.displayname, user.source.remoteId])
            }
            let results = try await store.results(jobId: job.id, after: -1, limit: 1_000, except: nil)
            #expect(results.map(\.position) == Array(given.indices))
            #expect(results.map(\.result.remoteId) == given.map(\.source.remoteId))
            #expect(results.map(\.result.userId) == given.map(\.id))
            let events = try await store.events(InsightsQuery(type: .userCreate, limit: 1_000))
            #expect(Set(events.compactMap(\.resource?.id)) == Set(given.map(\.id.text)))
            let stored = try #require(try await store.job(id: job.id))
            #expect((stored.created, stored.total) == (given.count, given.count))
            // A known user in the middle of a statement of many rows is resolved; the others are written.
            let known = (given.count..<given.count + sizes[0]).map { n in
                base.candidate(n, email: n == given.count + perStatement + 5 ? "USER7@example.com" : nil, job: job)
            }
            let mixed = try self.batch(known, job: job)
            let outcomes = try await store.commit(mixed, rules: listing(given.count + sizes[0]), on: direct)
            #expect(outcomes?.count == sizes[0])
            #expect(outcomes?[perStatement + 5].outcome == .skipped)
            #expect(outcomes?.filter { $0.outcome == .created }.count == sizes[0] - 1)
            let total = given.count + sizes[0] - 1
            #expect(try await store.users(search: nil, sort: .email, limit: 1_000, offset: 0).count == total)
            #expect(try await store.results(jobId: job.id).count == given.count + sizes[0])
            #expect(try await store.events(InsightsQuery(type: .userCreate, limit: 1_000)).count == total)
        }
    }

    @Test func aBatchGoesInOneRunAndAKnownUserIsResolvedWithoutHoldingTheOthersBack() async throws {
        try await withStore { store in
            guard let direct = store.direct else { return }
            try await store.createApplication(base.application)
            let job = try await base.job(store)
            func batch(_ numbers: Range<Int>, job: ImportJob) throws -> ImportBatchWrite {
                try self.batch(numbers.map { base.candidate($0, job: job) }, job: job)
            }
            let written = try await store.commit(try batch(0..<3, job: job), rules: listing(3), on: direct)
            #expect(written?.map(\.outcome) == [.created, .created, .created])
            // r2 is known now: another job's batch resolves it and writes r3 and r4 in the same run.
            let later = try await base.job(store)
            let next = try await store.commit(try batch(2..<5, job: later), rules: listing(3), on: direct)
            #expect(next?.map(\.outcome) == [.skipped, .created, .created])
            #expect(try await store.users(search: nil, sort: .email, limit: 100, offset: 0).count == 5)
            let stored = try #require(try await store.job(id: later.id))
            #expect((stored.created, stored.skipped, stored.total) == (2, 1, 3))
            #expect(try await store.results(jobId: later.id).map(\.remoteId) == ["r2", "r3", "r4"])
        }
    }
}

@Suite struct UserReadingTests {
    /// Every way the store reads users (SQLite reads SQLiteNIO's rows itself) gives back what was
    /// written: every column set, and every optional one NULL.
    @Test func aUserReadsBackAsWrittenWhicheverWayTheStoreReadsIt() async throws {
        let at = Date(millis: 1_700_000_000_123)
        let full = DirectoryUser(
            email: "Ada.Lovelace@example.com", username: "ada", firstname: "Ada", lastname: "Lovelace",
            middlename: "King", displayname: "Ada \"the\" Countess\n",
            addresses: [
                .init(type: "work", streetAddress: "12 St James's Sq", locality: "London", postalCode: "SW1")
            ], jobTitle: "Analyst", department: "Engines", phoneNumbers: [.init(type: "work", number: "+44 20 1")],
            costCenter: "CC-1", employeeType: "full-time", employeeIdentifier: "E1", organization: "Analytical",
            state: .suspended, passwordStatus: .set,
            source: .init(type: .import, applicationId: UUID.random(), importJobId: UUID.random(), remoteId: "r-1"),
            created: at, updated: at.addingTimeInterval(1), externalId: "ext-1",
            custom: ["level": .number(3), "remote": .boolean(true), "site": .text("Ørsted")])
        let bare = DirectoryUser(
            email: "bare@example.com", username: "bare", created: at.addingTimeInterval(2),
            updated: at.addingTimeInterval(2))
        try await withStore { store in
            try await store.insertUsers([full, bare])
            #expect(try await store.user(id: full.id) == full)
            #expect(try await store.user(id: bare.id) == bare)
            #expect(try await store.user(id: UUID.random()) == nil)
            let byEmail = [bare, full].sorted { $0.email.lowercased() < $1.email.lowercased() }
            #expect(try await store.users(search: nil, filters: [], sort: .email, limit: 10, offset: 0) == byEmail)
            #expect(try await store.users(search: nil, filters: [], sort: .email, limit: 10, cursor: nil) == byEmail)
            #expect(try await store.users(search: "ada", filters: [], sort: .email, limit: 10, cursor: nil) == [full])
            #expect(try await store.scimUsers(after: nil, limit: 10) == [full, bare])
            #expect(try await store.scimUsers(offset: 1, limit: 10) == [bare])
            #expect(try await store.scimUsers(externalId: "ext-1") == [full])
        }
    }
}

@Suite struct StoredJSONTests {
    /// Addresses and phone numbers are written without JSONEncoder, and read back by it: the text is
    /// what JSONEncoder with sorted keys writes, and decodes to the same values.
    @Test func addressesAndPhoneNumbersAreWrittenAsJSONEncoderWritesThem() throws {
        let user = DirectoryUser(
            email: "a@example.com", username: "a",
            addresses: [
                .init(type: "work", streetAddress: "1 \"Quoted\" St\r\nFloor 2 / Wing B", locality: "Zürich"),
                .init(type: "home", region: "R", postalCode: "8000", country: "CH", poBox: "12"),
            ],
            phoneNumbers: [.init(type: "work", number: "+41 44 000"), .init(type: "home", number: "١٢٣")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(user.addressesJSONText == String(decoding: try encoder.encode(user.addresses), as: UTF8.self))
        #expect(user.phoneNumbersJSONText == String(decoding: try encoder.encode(user.phoneNumbers), as: UTF8.self))
        let decoder = JSONDecoder()
        #expect(
            try decoder.decode([DirectoryUser.Address].self, from: Data(user.addressesJSONText.utf8)) == user.addresses)
        #expect(DirectoryUser(email: "b@example.com", username: "b").addressesJSONText == "[]")
    }
}
