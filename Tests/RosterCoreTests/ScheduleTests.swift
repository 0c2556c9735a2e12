import Foundation
import RosterTestSupport
import SCIM
import Testing

@testable import RosterCore

/// The text part of a rendered email (base64 in the message).
func text(_ mail: OutboxMail) -> String {
    guard
        let start = mail.rendered.range(of: "Content-Transfer-Encoding: base64\r\n\r\n")
            ?? mail.rendered.range(of: "Content-Transfer-Encoding: base64\n\n")
    else { return mail.rendered }
    let encoded = mail.rendered[start.upperBound...].prefix { $0 != "-" }.filter { !$0.isWhitespace }
    return Data(base64Encoded: String(encoded)).map { String(decoding: $0, as: UTF8.self) } ?? mail.rendered
}

/// A clock the tests move: schedules are run with `runDue(now:)` at the times a test names.
func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

@Suite struct CadenceTests {
    @Test func aCronExpressionFindsTheLatestSlotAndSaysItInWords() throws {
        let nightly = try CronExpression("0 2 * * *")
        #expect(nightly.words == "every day at 02:00 UTC")
        #expect(nightly.previous(atOrBefore: at("2026-12-01T01:59:59Z")) == at("2026-11-30T02:00:00Z"))
        #expect(nightly.previous(atOrBefore: at("2026-12-01T02:00:00Z")) == at("2026-12-01T02:00:00Z"))
        #expect(try CronExpression("*/15 * * * *").words == "every 15 minutes")
        #expect(try CronExpression("30 9 * * MON").words == "every Monday at 09:30 UTC")
        #expect(try CronExpression("0 7 * * 1-5").words == "every weekday at 07:00 UTC")
        #expect(try CronExpression("0 */6 * * *").words == "every 6 hours at minute 0")
        // Both day fields restricted: a day matching either runs (cron's rule).
        let thirteenth = try CronExpression("0 0 13 * fri")
        #expect(thirteenth.previous(atOrBefore: at("2026-11-30T00:00:00Z")) == at("2026-11-27T00:00:00Z"))
        #expect(try CronExpression("0 0 31 2 *").previous(atOrBefore: at("2026-11-30T00:00:00Z")) == nil)
        #expect(
            try CronExpression("15 3 1 jan *").previous(atOrBefore: at("2026-11-30T00:00:00Z"))
                == at("2026-01-01T03:15:00Z"))
    }

    @Test func aWrongCronExpressionIsRefusedNamingTheField() {
        #expect(throws: RosterError.invalid("the cron minute field \"61\" has \"61\": use 0 to 59")) {
            try CronExpression("61 * * * *")
        }
        #expect(throws: RosterError.self) { try CronExpression("0 2 * *") }
        #expect(throws: RosterError.self) { try CronExpression("0 5-2 * * *") }
        #expect(throws: RosterError.self) { try CronExpression("*/0 * * * *") }
    }

    @Test func extremeNumbersInACronExpressionOrAnIntervalAreReadOrRefusedNeverATrap() throws {
        // A step past the field's span picks its first value only (Swift's stride would step past an Int).
        #expect(try CronExpression("0 0 */9223372036854775807 * *").days == [1])
        #expect(try CronExpression("*/60 0 * * *").minutes == [0])
        for number in Fuzz.extremeNumbers + ["99999999999999999999", "-0", "+1"] {
            for cron in ["\(number) * * * *", "*/\(number) * * * *", "0 \(number)-3 * * *", "1-\(number) * * * *"] {
                _ = try? CronExpression(cron)
            }
            _ = try? Cadence.parse(every: "\(number)m", cron: nil)
        }
        #expect(throws: RosterError.self) { try Cadence.parse(every: "9223372036854775807d", cron: nil) }
    }

    @Test func anIntervalCountsSlotsFromTheEpochSoEveryInstanceAgrees() throws {
        let sixHours = try Cadence.every("6h")
        #expect(sixHours.words == "every 6 hours" && sixHours.text == "every 21600")
        #expect(sixHours.latestSlot(atOrBefore: at("2026-11-30T13:00:00Z")) == at("2026-11-30T12:00:00Z"))
        #expect(try Cadence.every("90min").words == "every 90 minutes")
        #expect(try Cadence.every("1d").words == "every day")
        #expect(throws: RosterError.self) { try Cadence.every("4m") }
        #expect(throws: RosterError.self) { try Cadence.every("six hours") }
        #expect(try Cadence(text: "cron 0 2 * * *") == .cron(try CronExpression("0 2 * * *")))
    }
}

@Suite struct ScheduledImportTests {
    /// A harness whose owner is a stored administrator, with an application of `users` remote users.
    func withHarness(
        _ users: [(String, String?)], filter: Bool = true, _ body: (Harness) async throws -> Void
    ) async throws {
        try await Harness.run(provider: FakeProvider(filter: filter)) { h in
            for (name, email) in users { _ = h.provider.addUser(name, email: email) }
            try await h.application()
            try await body(h)
        }
    }

    func jobs(_ h: Harness) async throws -> [ImportJob] {
        try await h.domain.imports.history(by: h.admin).map(\.job).filter { $0.trigger != nil }
    }

    @Test func eachSlotRunsOnceAndSlotsMissedWhileDownRunOnce() async throws {
        try await withHarness([("ann", "ann@example.com"), ("bob", "bob@example.com")]) { h in
            _ = try await h.domain.schedules.set(
                application: "App", cadence: try .every("6h"), filter: nil, dryRun: false, by: h.admin,
                now: at("2026-11-30T10:17:00Z"))
            // The slot before the schedule existed does not run; the next one does, once.
            #expect(try await h.domain.schedules.runDue(now: at("2026-11-30T11:59:00Z")).isEmpty)
            let first = try await h.domain.schedules.runDue(now: at("2026-11-30T12:00:30Z"))
            #expect(first.count == 1 && first[0].trigger?.slot == at("2026-11-30T12:00:00Z"))
            #expect(try await h.domain.schedules.runDue(now: at("2026-11-30T17:59:00Z")).isEmpty)
            try await h.work()
            #expect(try await h.users().count == 2)
            // Down for three days: twelve slots went by; the latest runs, once.
            let late = try await h.domain.schedules.runDue(now: at("2026-12-03T13:00:00Z"))
            #expect(late.map(\.trigger?.slot) == [at("2026-12-03T12:00:00Z")])
            #expect(try await h.domain.schedules.runDue(now: at("2026-12-03T13:05:00Z")).isEmpty)
            try await h.work()
            let ran = try await jobs(h)
            #expect(ran.count == 2 && ran.allSatisfy { $0.status == .completed })
            #expect(ran.map(\.created).sorted() == [0, 2] && ran.map(\.skipped).sorted() == [0, 2])
            // Run as the system acting for the administrator who set the schedule.
            #expect(ran.allSatisfy { $0.initiator.type == .system && $0.initiator.email == "admin@example.com" })
            #expect(ran.allSatisfy { $0.initiator.channel == "schedule" })
        }
    }

    @Test func theOwnerIsEmailedOnlyWhenARunCreatedOrFailedSomething() async throws {
        try await withHarness([("ann", "ann@example.com")]) { h in
            _ = try await h.domain.schedules.set(
                application: "App", cadence: try .every("1h"), filter: nil, dryRun: false, by: h.admin,
                now: at("2026-11-30T10:17:00Z"))
            try await h.domain.schedules.runDue(now: at("2026-11-30T11:00:00Z"))
            try await h.work()
            #expect(h.sent.mails.map(\.subject) == ["Roster scheduled import from App: completed"])
            try await h.domain.schedules.runDue(now: at("2026-11-30T12:00:00Z"))
            try await h.work()
            #expect(h.sent.mails.count == 1, "nothing new: no email")
            _ = h.provider.addUser("nomail", email: nil)
            try await h.domain.schedules.runDue(now: at("2026-11-30T13:00:00Z"))
            try await h.work()
            #expect(h.sent.mails.count == 2 && h.sent.mails[1].subject.contains("completed with 1 failed"))
        }
    }

    @Test func aFilteredScheduleImportsOnlyTheUsersItMatchesWhetherOrNotTheProviderFilters() async throws {
        for providerFilters in [true, false] {
            try await withHarness(
                [("ann", "ann@example.com"), ("anna", "anna@example.com"), ("bob", "bob@example.com")],
                filter: providerFilters
            ) { h in
                _ = try await h.domain.schedules.set(
                    application: "App", cadence: try .every("1h"), filter: #"userName sw "ann""#, dryRun: false,
                    by: h.admin, now: at("2026-11-30T10:17:00Z"))
                try await h.domain.schedules.runDue(now: at("2026-11-30T11:00:00Z"))
                try await h.work()
                #expect(try await h.users().map(\.username).sorted() == ["ann", "anna"])
            }
        }
    }

    @Test func aDryRunReportsWhatItWouldCreateAndCreatesNothing() async throws {
        try await withHarness([("ann", "ann@example.com"), ("bob", "bob@example.com"), ("eve", nil)]) { h in
            _ = try await h.domain.schedules.set(
                application: "App", cadence: try .cron(CronExpression("0 2 * * *")), filter: nil, dryRun: true,
                by: h.admin, now: at("2026-11-30T10:17:00Z"))
            try await h.domain.schedules.runDue(now: at("2026-12-01T02:00:00Z"))
            try await h.work()
            #expect(try await h.users().isEmpty)
            let job = try #require(try await jobs(h).first)
            #expect(job.isDryRun && job.created == 2 && job.failed == 1)
            let results = try await h.domain.imports.job(id: job.id, by: h.admin).1
            #expect(results.filter { $0.outcome == .new }.compactMap(\.userName).sorted() == ["ann", "bob"])
            #expect(h.sent.mails.count == 1 && h.sent.mails[0].subject.hasPrefix("Roster dry run from App"))
            #expect(text(h.sent.mails[0]).contains("would create: 2"))
        }
    }

    @Test func aBadFilterOrAnUnknownOwnerIsRefusedAndNothingIsSaved() async throws {
        try await withHarness([]) { h in
            await #expect(throws: RosterError.self) {
                try await h.domain.schedules.set(
                    application: "App", cadence: try .every("1h"), filter: "userName eq", dryRun: false, by: h.admin)
            }
            await #expect(
                throws: RosterError.notFound("there is no administrator nobody@example.com to run the schedule for")
            ) {
                try await h.domain.schedules.set(
                    application: "App", cadence: try .every("1h"), filter: nil, dryRun: false,
                    owner: "nobody@example.com", by: .system)
            }
            let saved = try await h.domain.schedules.schedule(application: "App", by: h.admin)
            #expect(saved == nil)
        }
    }

    @Test func theWeeklyDigestSummarisesLastWeeksRunsOnce() async throws {
        try await withHarness([("ann", "ann@example.com")]) { h in
            _ = try await h.domain.schedules.set(
                application: "App", cadence: try .every("1d"), filter: nil, dryRun: false, by: h.admin,
                now: at("2026-11-23T08:00:00Z"))
            for day in 24...26 {
                try await h.domain.schedules.runDue(now: at("2026-11-\(day)T00:10:00Z"))
                try await h.work()
            }
            let before = h.sent.mails.count
            // Monday: last week's digest, once, whichever instance asks first.
            try await h.domain.schedules.runDue(now: at("2026-11-30T00:20:00Z"))
            try await h.domain.schedules.runDue(now: at("2026-11-30T00:25:00Z"))
            try await h.work()
            let digests = h.sent.mails.dropFirst(before).filter { $0.subject.contains("week from") }
            #expect(digests.map(\.subject) == ["Roster scheduled imports, week from 2026-11-23"])
            #expect(digests.first.map(text)?.contains("App: 3 run(s), 1 created, 0 failed") == true)
        }
    }
}
