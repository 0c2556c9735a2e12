import ArgumentParser
import Foundation
import Logging
import RosterCore
import RosterServer
import SCIM

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks, reported as ratios.",
                                                    subcommands: [Import.self, Users.self])

    /// Compares an import of every user of a SCIM server with merely downloading its pages,
    /// and reports the peak memory of the process. Runs in a fresh data directory.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import every user of a SCIM server into a fresh directory; compare with downloading the pages; peak memory.")
        @Option(help: "SCIM base URL of the server to import from.") var scimUrl: String
        @Option(help: "Environment variable holding a bearer token, if the server needs one.") var bearerTokenEnv: String?
        @Flag var json = false

        struct Report: Encodable {
            let users: Int
            let downloadSeconds, importSeconds, ratio: Double
            let peakMemoryMB: Int
            let usersPerSecond: Int
        }

        func run() async throws {
            let token = try bearerTokenEnv.map { try secret(fromEnvironment: $0, flag: "--bearer-token-env") }
            let report = try await BenchCommand.withFreshRoster(databaseURL: nil) { try await measure($0, token: token) }
            if json { return try printJSON(report) }
            print("users:            \(report.users)")
            print("download only:    \(String(format: "%.1f", report.downloadSeconds)) s")
            print("import:           \(String(format: "%.1f", report.importSeconds)) s (\(report.usersPerSecond) users/s)")
            print("import/download:  \(String(format: "%.2f", report.ratio))")
            print("peak memory:      \(report.peakMemoryMB) MB")
        }

        func measure(_ roster: Roster, token: String?) async throws -> Report {
            let client = SCIMClient(baseURL: scimUrl, authentication: token.map { .bearer(token: $0) } ?? .none, httpClient: roster.http)
            let config = try await client.serviceProviderConfig()
            let clock = ContinuousClock()
            var users = 0
            let download = try await clock.measure {
                for try await page in client.userPages(UserQuery(pageSize: 100), config: config) { users += page.count }
            }
            _ = try await roster.administrators.create(email: "bench@example.com", role: .admin, password: "bench-password-\(UUID())", by: .system)
            let admin = try await roster.administrators.actingAs(email: "bench@example.com")
            _ = try await roster.applications.create(name: "Bench", description: nil, by: .system)
            _ = try await roster.applications.configureIntegration(application: "Bench", baseURL: scimUrl,
                                                                   credentials: .bearer(token: token ?? "none"), by: .system)
            let worker = roster.makeWorker()
            let importing = try await clock.measure {
                if case .queued(let job) = try await roster.imports.start(application: "Bench", selection: .all, by: admin) {
                    try await worker.drain { try await roster.storage.job(id: job.id)?.isFinished ?? true }
                }
            }
            return Report(users: users, downloadSeconds: download.seconds, importSeconds: importing.seconds,
                          ratio: importing.seconds / max(download.seconds, 0.001), peakMemoryMB: Self.peakMemoryMB(),
                          usersPerSecond: Int(Double(users) / max(importing.seconds, 0.001)))
        }

        /// VmHWM: the most resident memory this process has had.
        static func peakMemoryMB() -> Int {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
            return kilobytes / 1024
        }
    }

    /// Times the users list as the portal asks for it, at 1,000 users and at `--count`,
    /// and reports the ratio: an index-backed page costs about the same at any size.
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a fresh directory with many users and time the users list's queries (first pages, deep pages, search).")
        @Option(help: "Users to seed.") var count = 1_000_000
        @Option(help: "An empty PostgreSQL database to use instead of a temporary SQLite file.") var databaseUrl: String?
        @Flag var json = false

        struct Row: Encodable { let query: String; let smallMillis, largeMillis, ratio: Double }

        func run() async throws {
            let rows = try await BenchCommand.withFreshRoster(databaseURL: databaseUrl) { roster in
                let small = 1_000
                try await seed(roster, from: 0, to: small)
                let before = try await measure(roster, size: small)
                try await seed(roster, from: small, to: max(count, small))
                let after = try await measure(roster, size: max(count, small))
                return zip(before, after).map { Row(query: $0.0, smallMillis: $0.1, largeMillis: $1.1, ratio: $1.1 / max($0.1, 0.001)) }
            }
            if json { return try printJSON(rows) }
            print("query".padding(toLength: 34, withPad: " ", startingAt: 0) + "1,000 users   \(count) users   ratio")
            for row in rows {
                print(row.query.padding(toLength: 34, withPad: " ", startingAt: 0)
                      + String(format: "%8.1f ms   %10.1f ms   %5.1f", row.smallMillis, row.largeMillis, row.ratio))
            }
        }

        func seed(_ roster: Roster, from: Int, to: Int) async throws {
            var next = from
            let started = Date()
            while next < to {
                let batch = (next..<min(next + 5_000, to)).map { i in
                    DirectoryUser(email: String(format: "user%08d@example.com", i), username: String(format: "user%08d", i),
                                  firstname: "First\(i % 977)", lastname: "Last\(i % 1013)", displayname: "Person \(i)",
                                  jobTitle: "Engineer", department: "R&D", created: started.addingTimeInterval(Double(i) / 1000))
                }
                try await roster.storage.insertUsers(batch)
                next += batch.count
                if next / 100_000 != (next - batch.count) / 100_000 { FileHandle.standardError.write(Data("seeded \(next) users\n".utf8)) }
            }
        }

        /// Median of five runs of each query, in milliseconds, through the service the portal uses.
        func measure(_ roster: Roster, size: Int) async throws -> [(String, Double)] {
            let page = 51  // the portal asks for one row more than it shows
            let queries: [(String, () async throws -> Void)] = UserSort.allCases.map { sort in
                ("first page by \(sort.rawValue)", { _ = try await roster.directory.users(sort: sort, limit: page, by: .system) })
            } + [
                ("page 20 by email", { _ = try await roster.directory.users(sort: .email, limit: page, offset: 950, by: .system) }),
                ("last page by email", { _ = try await roster.directory.users(sort: .email, limit: page, offset: size - 50, by: .system) }),
                ("search, many matches", { _ = try await roster.directory.users(search: "user0000", limit: page, by: .system) }),
                ("search, no match", { _ = try await roster.directory.users(search: "nobody-here", limit: page, by: .system) }),
                ("count", { _ = try await roster.directory.userCount(by: .system) }),
            ]
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

extension BenchCommand {
    /// Runs `body` on a Roster of its own: a temporary data directory (removed afterwards) and
    /// SQLite, or the empty PostgreSQL database `databaseURL` names; quiet logs.
    static func withFreshRoster<T: Sendable>(databaseURL: String?, _ body: (Roster) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "roster")
        logger.logLevel = .warning
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        if databaseURL != nil, environment["ROSTER_SECRET_KEY"] == nil {
            // A throwaway key: nothing the bench stores must be read by anyone else.
            environment["ROSTER_SECRET_KEY"] = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        }
        let roster = try await Roster.bootstrap(RosterConfiguration(dataDirectory: folder.path, environment: environment), logger: logger)
        do {
            let result = try await body(roster)
            await roster.shutdown()
            return result
        } catch {
            await roster.shutdown()
            throw error
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
