import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks, reported as ratios.",
        subcommands: [Import.self, Users.self, Insights.self, Pages.self, SCIMService.self, SCIMBurstCommand.self])

    /// Compares an import of every user of a SCIM server with merely downloading its pages,
    /// and reports the peak memory of the process. Runs in a fresh data directory.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Import every user of a SCIM server into a fresh directory; compare with downloading the pages; peak "
                + "memory."
        )
        @Option(help: "SCIM base URL of the server to import from.") var scimUrl: String?
        @Option(
            help: ArgumentHelp(
                "Instead of --scim-url: serve this many users from a static page server (`roster bench pages`) "
                    + "started on loopback in a process of its own."))
        var users: Int?
        @Option(help: "Environment variable holding a bearer token, if the server needs one.") var bearerTokenEnv:
            String?
        @Option(help: "An empty PostgreSQL database to import into instead of a temporary SQLite file.")
        var databaseUrl: String?
        @Flag(help: "With --users: tidy generated users, every one importable, instead of realistic ones.")
        var clean = false
        @Option(
            help: ArgumentHelp(
                "Users the directory holds before the import (realistic ones, in no order; with --users, one in a "
                    + "hundred is also listed, and is skipped as already there)."))
        var directoryUsers = 0
        @Flag var json = false

        func validate() throws {
            guard (scimUrl == nil) != (users == nil) else {
                throw ValidationError("give either --scim-url or --users")
            }
            if let users, users < 1 { throw ValidationError("--users must be at least 1") }
        }

        func run() async throws {
            let token = try bearerTokenEnv.map { try secret(fromEnvironment: $0, flag: "--bearer-token-env") }
            var server: StaticSCIMServer.Process?
            if let users { server = try StaticSCIMServer.Process.start(users: users, clean: clean) }
            defer { server?.stop() }
            guard let url = scimUrl ?? server?.url else { return }
            let listed = users.map { RealisticUsers(count: $0) }
            let report = try await Benchmarks.withFreshRoster(databaseURL: databaseUrl) { roster in
                try await Benchmarks.seedRealisticUsers(
                    roster, count: directoryUsers, alsoListedIn: clean ? nil : listed)
                return try await Benchmarks.importAll(into: roster, scimURL: url, token: token)
            }
            if json { return try printJSON(report) }
            print("users:            \(report.users)")
            print("download only:    \(String(format: "%.1f", report.downloadSeconds)) s")
            print(
                "import:           \(String(format: "%.1f", report.importSeconds)) s (\(report.usersPerSecond) users/s)"
            )
            print("import/download:  \(String(format: "%.2f", report.ratio))")
            print("peak memory:      \(report.peakMemoryMB) MB")
            print("created/skipped/failed: \(report.created)/\(report.skipped)/\(report.failed)")
        }
    }

    /// Times Insights pages (newest first, by cursor) at 1,000 events and at `--count`.
    struct Insights: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a fresh directory with many Insights events and time the first, a deep and a filtered page."
        )
        @Option(help: "Events to seed.") var count = 10_000_000
        @Option(help: "An empty PostgreSQL database to use instead of a temporary SQLite file.") var databaseUrl:
            String?
        @Flag var json = false

        func run() async throws {
            let rows = try await Benchmarks.withFreshRoster(databaseURL: databaseUrl) { roster in
                try await Benchmarks.seedEvents(roster, count: 1_000)
                let before = try await measure(roster, size: 1_000)
                try await Benchmarks.seedEvents(roster, count: max(count - 1_000, 0))
                let after = try await measure(roster, size: max(count, 1_000))
                return zip(before, after).map {
                    Users.Row(query: $0.0, smallMillis: $0.1, largeMillis: $1.1, ratio: $1.1 / max($0.1, 0.001))
                }
            }
            if json { return try printJSON(rows) }
            Users.printTable(rows, large: count)
        }

        /// Median of five runs of each query, in milliseconds: the page the portal shows (500 and
        /// one), the page after it, the page half way back, and the first page of one type.
        func measure(_ roster: Roster, size: Int) async throws -> [(String, Double)] {
            let insights = roster.insights
            let first = try await insights.events(InsightsQuery(limit: 501), by: .system)
            let cursor = first.last.map(InsightsCursor.init(after:))
            // Half way back through the events seeded so far (a second apart, the newest now).
            let middle = try InsightsCursor(
                token: "\(Int64((Date().timeIntervalSince1970 - Double(size) / 2) * 1000))_"
                    + "ffffffff-ffff-4fff-bfff-ffffffffffff")
            let queries: [(String, () async throws -> Void)] = [
                ("first page", { _ = try await insights.events(InsightsQuery(limit: 501), by: .system) }),
                (
                    "next page (cursor)",
                    { _ = try await insights.events(InsightsQuery(before: cursor, limit: 501), by: .system) }
                ),
                (
                    "middle page (cursor)",
                    { _ = try await insights.events(InsightsQuery(before: middle, limit: 501), by: .system) }
                ),
                (
                    "first page of one type",
                    { _ = try await insights.events(InsightsQuery(type: .importComplete, limit: 501), by: .system) }
                ),
            ]
            return try await Users.time(queries)
        }
    }

    /// The static page server on its own, for comparing other clients (curl, Python) with Roster.
    struct Pages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Serve N pre-encoded SCIM users on 127.0.0.1 (pages of up to 1,000); print the base URL, serve until "
                + "stopped."
        )
        @Option(help: "Users to serve.") var users = 100_000
        @Flag(help: "Tidy generated users, every one importable, instead of realistic ones.") var clean = false

        func run() async throws {
            try await StaticSCIMServer(users: users, clean: clean).serve { url in
                FileHandle.standardOutput.write(Data((url + "\n").utf8))
            }
        }
    }

    /// Times the users list as the portal asks for it, at 1,000 users and at `--count`,
    /// and reports the ratio: an index-backed page costs about the same at any size.
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Seed a fresh directory with many users and time the users list's queries (first pages, deep pages, "
                + "search)."
        )
        @Option(help: "Users to seed.") var count = 1_000_000
        @Option(help: "An empty PostgreSQL database to use instead of a temporary SQLite file.") var databaseUrl:
            String?
        @Flag var json = false

        struct Row: Encodable {
            let query: String
            let smallMillis, largeMillis, ratio: Double
        }

        func run() async throws {
            let rows = try await Self.compare(count: count, databaseURL: databaseUrl, measure: measure)
            if json { return try printJSON(rows) }
            Self.printTable(rows, large: count)
        }

        /// `measure` on a fresh directory of 1,000 seeded users, then again once it holds `count`.
        static func compare(
            count: Int, databaseURL: String?, measure: (Roster, Int) async throws -> [(String, Double)]
        ) async throws -> [Row] {
            try await Benchmarks.withFreshRoster(databaseURL: databaseURL) { roster in
                let small = 1_000
                try await Benchmarks.seedUsers(roster, from: 0, to: small)
                let before = try await measure(roster, small)
                try await Benchmarks.seedUsers(roster, from: small, to: max(count, small))
                let after = try await measure(roster, max(count, small))
                return zip(before, after).map {
                    Row(query: $0.0, smallMillis: $0.1, largeMillis: $1.1, ratio: $1.1 / max($0.1, 0.001))
                }
            }
        }

        static func printTable(_ rows: [Row], large: Int) {
            print("query".padding(toLength: 34, withPad: " ", startingAt: 0) + "1,000        \(large)       ratio")
            for row in rows {
                print(
                    row.query.padding(toLength: 34, withPad: " ", startingAt: 0)
                        + String(format: "%8.1f ms   %10.1f ms   %5.1f", row.smallMillis, row.largeMillis, row.ratio))
            }
        }

        /// Median of five runs of each query, in milliseconds, through the service the portal uses.
        func measure(_ roster: Roster, size: Int) async throws -> [(String, Double)] {
            let page = 51  // the portal asks for one row more than it shows
            let directory = roster.directory
            let queries: [(String, () async throws -> Void)] =
                UserSort.allCases.map { sort in
                    (
                        "first page by \(sort.rawValue)",
                        { _ = try await directory.users(sort: sort, limit: page, by: .system) }
                    )
                } + [
                    (
                        "middle page by email (cursor)",
                        {
                            let middle = UserCursor(
                                sort: .email, key: [String(format: "user%08d@example.com", size / 2)])
                            _ = try await directory.usersPage(limit: page - 1, cursor: middle, by: .system)
                        }
                    ),
                    (
                        "last page by email (cursor)",
                        { _ = try await directory.usersPage(limit: page - 1, cursor: .last(.email), by: .system) }
                    ),
                    (
                        "last page by newest (cursor)",
                        { _ = try await directory.usersPage(limit: page - 1, cursor: .last(.created), by: .system) }
                    ),
                    (
                        "page 20 by email (offset)",
                        { _ = try await directory.users(sort: .email, limit: page, offset: 950, by: .system) }
                    ),
                    (
                        "last page by email (offset)",
                        { _ = try await directory.users(sort: .email, limit: page, offset: size - 50, by: .system) }
                    ),
                    (
                        "search, many matches",
                        { _ = try await directory.users(search: "user0000", limit: page, by: .system) }
                    ),
                    (
                        "search, no match",
                        { _ = try await directory.users(search: "nobody-here", limit: page, by: .system) }
                    ),
                    ("count", { _ = try await directory.userCount(by: .system) }),
                ]
            return try await Self.time(queries)
        }

        static func time(_ queries: [(String, () async throws -> Void)]) async throws -> [(String, Double)] {
            let clock = ContinuousClock()
            var results: [(String, Double)] = []
            for (name, query) in queries {
                var times: [Double] = []
                for _ in 0..<5 {
                    let d = try await clock.measure { try await query() }
                    times.append(d.seconds * 1000)
                }
                results.append((name, times.sorted()[2]))
            }
            return results
        }
    }
}
