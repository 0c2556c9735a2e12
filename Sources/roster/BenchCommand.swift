import ArgumentParser
import Foundation
import Logging
import RosterCore
import RosterServer
import SCIM

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks, reported as ratios.",
                                                    subcommands: [Import.self])

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
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            LoggingSystem.bootstrapOnce()
            var logger = Logger(label: "roster")
            logger.logLevel = .warning
            let token = try bearerTokenEnv.map { try secret(fromEnvironment: $0, flag: "--bearer-token-env") }
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = nil
            let roster = try await Roster.bootstrap(RosterConfiguration(dataDirectory: folder.path, environment: environment), logger: logger)
            do {
                let report = try await measure(roster, token: token)
                await roster.shutdown()
                if json { return try printJSON(report) }
                print("users:            \(report.users)")
                print("download only:    \(String(format: "%.1f", report.downloadSeconds)) s")
                print("import:           \(String(format: "%.1f", report.importSeconds)) s (\(report.usersPerSecond) users/s)")
                print("import/download:  \(String(format: "%.2f", report.ratio))")
                print("peak memory:      \(report.peakMemoryMB) MB")
            } catch {
                await roster.shutdown()
                throw error
            }
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
            let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            return Report(users: users, downloadSeconds: seconds(download), importSeconds: seconds(importing),
                          ratio: seconds(importing) / max(seconds(download), 0.001), peakMemoryMB: Self.peakMemoryMB(),
                          usersPerSecond: Int(Double(users) / max(seconds(importing), 0.001)))
        }

        /// VmHWM: the most resident memory this process has had.
        static func peakMemoryMB() -> Int {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
            return kilobytes / 1024
        }
    }
}
