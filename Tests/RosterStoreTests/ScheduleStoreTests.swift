import Crypto
import Foundation
import Logging
import RosterCore
import SCIM
import Testing

@testable import RosterStore

/// Two stores on one database, as two instances of Roster have: one SQLite file opened twice,
/// and (with ROSTER_TEST_POSTGRES_URL) one PostgreSQL database with a pool each.
func withTwoStores(_ body: (SQLStore, SQLStore) async throws -> Void) async throws {
    let secrets = SecretBox(key: SymmetricKey(size: .bits256))
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-two-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("test.sqlite").path
    let first = try await SQLStore.openSQLite(path: path, secrets: secrets, logger: logger)
    let second = try await SQLStore.openSQLite(path: path, secrets: secrets, logger: logger)
    do { try await body(first, second) } catch {
        try await first.shutdown()
        try await second.shutdown()
        throw error
    }
    try await first.shutdown()
    try await second.shutdown()
    guard let adminURL = ProcessInfo.processInfo.environment["ROSTER_TEST_POSTGRES_URL"], !adminURL.isEmpty else {
        return
    }
    let name = "roster_test_\(UUID().uuidString.prefix(8).lowercased())"
    try await TestDatabase.run(adminURL, "CREATE DATABASE \(name)")
    var url = URLComponents(string: adminURL)!
    url.path = "/\(name)"
    let a = try await SQLStore.openPostgres(url: url.string!, poolSize: 2, secrets: secrets, logger: logger)
    let b = try await SQLStore.openPostgres(url: url.string!, poolSize: 2, secrets: secrets, logger: logger)
    do { try await body(a, b) } catch {
        try await a.shutdown()
        try await b.shutdown()
        throw error
    }
    try await a.shutdown()
    try await b.shutdown()
    try await TestDatabase.run(adminURL, "DROP DATABASE \(name)")
}

/// The domain over a store, with nothing to reach: schedules only queue jobs.
private func domain(_ store: SQLStore) -> DomainServices {
    struct Unreachable: SCIMTransport {
        func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws
            -> SCIMHTTPResponse
        {
            throw SCIMClientError(.unreachable, "no provider in this test")
        }
    }
    struct NoMail: MailSender { func send(_ mail: OutboxMail) async throws {} }
    struct NoHash: PasswordHasher {
        func hash(_ password: String) async throws -> String { password }
        func verify(_ password: String, hash: String) async throws -> Bool { password == hash }
    }
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    return DomainServices(
        storage: store, connector: SCIMConnector(transport: Unreachable(), logger: logger), hasher: NoHash(),
        mailSender: NoMail(), settings: .init(), logger: logger)
}

@Suite struct ScheduleStoreTests {
    @Test func twoInstancesAskingAtTheSameMomentRunEachSlotOnce() async throws {
        try await withTwoStores { a, b in
            let admin = Administrator(email: "owner@example.com", role: .admin, passwordHash: "x")
            try await a.createAdministrator(admin)
            let owner = Initiator.administrator(admin)
            let (first, second) = (domain(a), domain(b))
            _ = try await first.applications.create(name: "App", description: nil, by: owner)
            _ = try await first.applications.configureIntegration(
                application: "App",
                input: IntegrationInput(scimURL: "https://sp.test/scim", authType: "bearer", token: "t"),
                by: owner)
            let start = try Date("2026-11-30T10:17:00Z", strategy: .iso8601)
            _ = try await first.schedules.set(
                application: "App", cadence: try .every("1h"), filter: nil, dryRun: false, by: owner, now: start)
            var started = 0
            for hour in 1...8 {
                let now = start.addingTimeInterval(Double(hour) * 3_600)
                async let one = first.schedules.runDue(now: now)
                async let other = second.schedules.runDue(now: now)
                let (x, y) = try await (one, other)
                #expect(x.count + y.count == 1, "slot \(hour)")
                started += x.count + y.count
            }
            // Down for a day: the missed slots run once.
            let later = start.addingTimeInterval(33 * 3_600)
            async let one = first.schedules.runDue(now: later)
            async let other = second.schedules.runDue(now: later)
            let (x, y) = try await (one, other)
            #expect(x.count + y.count == 1)
            let app = try #require(try await a.application(named: "App"))
            let jobs = try await b.scheduledJobs(
                applicationIds: [app.id], since: start, until: later.addingTimeInterval(1))
            #expect(started == 8 && jobs.count == 9)
            #expect(Set(jobs.compactMap(\.trigger?.slot)).count == 9)
            #expect(try await b.schedule(applicationId: app.id)?.lastSlot == jobs.last?.trigger?.slot)
        }
    }
}
