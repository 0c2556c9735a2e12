import ArgumentParser
import Foundation
import RosterApp
import RosterCore
import SCIM

extension BenchCommand {
    /// Times what SCIM clients ask of Roster's SCIM service on a large directory: lookups by
    /// userName and email (what Entra and Okta send before every create), and list pages near the
    /// start and deep in, by index and by cursor. Each through the service and JSON-encoded as the
    /// handler answers it.
    struct SCIMService: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scim",
            abstract: "Seed a fresh directory with many users and time SCIM lookups and list pages (1,000 vs --count).")
        @Option(help: "Users to seed.") var count = 1_000_000
        @Option(help: "An empty PostgreSQL database to use instead of a temporary SQLite file.") var databaseUrl:
            String?
        @Flag var json = false

        func run() async throws {
            let rows = try await Users.compare(count: count, databaseURL: databaseUrl, measure: measure)
            if json { return try printJSON(rows) }
            Users.printTable(rows, large: count)
        }

        func measure(_ roster: Roster, size: Int) async throws -> [(String, Double)] {
            let users = roster.domain.scimUsers
            let encoder = JSONEncoder()
            func list(_ parameters: [String: String]) async throws -> JSONValue {
                let page = try await users.list(try SCIMListQuery(parameters: parameters), by: .system).json
                _ = try encoder.encode(page)
                return page
            }
            let middle = String(format: "user%08d", size / 2)
            // The cursor after the middle user, as a client paging by cursor would hold it there.
            let found = try await list(["filter": "userName eq \"\(middle)\""])
            guard let user = found["Resources"]?.elements.first, let created = user["meta"]?["created"]?.text,
                let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(created)
            else { throw ValidationError("the seeded user \(middle) is missing") }
            let deep = SCIMCursor.after(created: date, email: "\(middle)@example.com").token
            let queries: [(String, () async throws -> Void)] = [
                ("filter userName eq (middle user)", { _ = try await list(["filter": "userName eq \"\(middle)\""]) }),
                (
                    "filter emails.value eq",
                    { _ = try await list(["filter": "emails.value eq \"\(middle)@example.com\""]) }
                ),
                ("filter userName eq (no such user)", { _ = try await list(["filter": "userName eq \"nobody\""]) }),
                ("first page, 100 (startIndex=1)", { _ = try await list(["startIndex": "1", "count": "100"]) }),
                ("first page, 100 (cursor)", { _ = try await list(["cursor": "", "count": "100"]) }),
                ("middle page, 100 (cursor)", { _ = try await list(["cursor": deep, "count": "100"]) }),
                (
                    "middle page, 100 (startIndex)",
                    { _ = try await list(["startIndex": String(size / 2), "count": "100"]) }
                ),
                ("count=0 (total only)", { _ = try await list(["count": "0"]) }),
            ]
            return try await Users.time(queries)
        }
    }
}

extension BenchCommand {
    /// An identity provider's burst against running Roster instances (`roster serve`), then a read
    /// of what the directory holds afterwards: nothing may be lost.
    struct SCIMBurstCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scim-burst",
            abstract:
                "Many SCIM clients at once (POST a user, read it by filter, PATCH it, add every other one to a group) "
                + "against running instances; checks nothing was lost.")
        @Option(help: "Base URL of a running Roster (repeat for several instances; clients take turns).")
        var url: [String]
        @Option(help: "Environment variable holding a manager API key.") var keyEnv: String
        @Option(help: "Concurrent clients.") var clients = 16
        @Option(help: "Users each client creates.") var usersPerClient = 100
        @Flag var json = false

        func validate() throws {
            guard !url.isEmpty else { throw ValidationError("give at least one --url") }
            guard clients >= 1, usersPerClient >= 1 else {
                throw ValidationError("--clients and --users-per-client must be at least 1")
            }
        }

        func run() async throws {
            let key = try secret(fromEnvironment: keyEnv, flag: "--key-env")
            let report = try await SCIMBurst(urls: url, key: key, clients: clients, usersPerClient: usersPerClient)
                .run()
            if json { return try printJSON(report) }
            print("requests:   \(report.requests) in \(String(format: "%.1f", report.seconds)) s")
            print("rate:       \(Int(report.requestsPerSecond)) requests/s")
            let (p50, p99) = (String(format: "%.1f", report.p50Millis), String(format: "%.1f", report.p99Millis))
            print(
                "latency:    p50 \(p50) ms, p99 \(p99) ms"
            )
            print("errors:     \(report.errors)\(report.firstError.map { " (first: \($0))" } ?? "")")
            print("lost:       \(report.lost)")
            if report.errors > 0 || report.lost > 0 { throw ExitCode(1) }
        }
    }
}
