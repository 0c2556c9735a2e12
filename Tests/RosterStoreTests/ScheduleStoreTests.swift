import Crypto
import Foundation
import Logging
import RosterCore
import SCIM
import Testing

@testable import RosterStore

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
        try await withStores(2) { stores in
            let (a, b) = (stores[0], stores[1])
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
