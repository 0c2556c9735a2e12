import Foundation
import Logging
import RosterCore
import SCIM

#if canImport(Glibc)
    import Glibc
#endif

/// What `roster bench` measures, on a Roster of its own (a temporary data directory, removed
/// afterwards, and SQLite or an empty PostgreSQL database).
public enum Benchmarks {
    /// Runs `body` on a fresh Roster with quiet logs.
    public static func withFreshRoster<T: Sendable>(databaseURL: String?, _ body: (Roster) async throws -> T)
        async throws -> T
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-bench-\(UUID.random().text)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = RosterConfiguration.defaults(dataDirectory: folder.path)
        configuration.database.url = databaseURL
        if databaseURL != nil, configuration.secretKey == nil {
            // A throwaway key: nothing the bench stores must be read by anyone else.
            configuration.secretKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        }
        let roster = try await Roster.bootstrap(configuration, logger: LogSetup.logger(format: .text, level: .warning))
        do {
            let result = try await body(roster)
            await roster.shutdown()
            return result
        } catch {
            await roster.shutdown()
            throw error
        }
    }

    public struct ImportReport: Encodable, Sendable {
        public let users: Int
        public let downloadSeconds, importSeconds, ratio: Double
        public let peakMemoryMB: Int
        public let usersPerSecond: Int
        /// What the import made of the users: created, skipped (already in the directory), failed.
        public let created, skipped, failed: Int
    }

    /// Imports every user of a SCIM server into `roster` and compares with merely downloading the pages.
    public static func importAll(into roster: Roster, scimURL: String, token: String?) async throws -> ImportReport {
        let client = SCIMClient(
            baseURL: scimURL, authentication: token.map { .bearer(token: $0) } ?? .none,
            httpClient: roster.http)
        let config = try await client.serviceProviderConfig()
        let clock = ContinuousClock()
        var users = 0
        let download = try await clock.measure {
            for try await page in client.userPages(ImportRunner.listingQuery, config: config, raw: false) {
                users += page.count
            }
        }
        // The peak from here on is the import's, not the download's above.
        resetPeakMemory()
        _ = try await roster.administrators.create(
            email: "bench@example.com", role: .admin,
            password: "Timing run \(UUID.random().text)", by: .system)
        let admin = try await roster.administrators.actingAs(email: "bench@example.com")
        _ = try await roster.applications.create(name: "Bench", description: nil, by: .system)
        _ = try await roster.applications.configureIntegration(
            application: "Bench",
            input: IntegrationInput(
                scimURL: scimURL, authType: "bearer", token: token ?? "none", allowPrivateNetwork: true),
            by: .system)
        let worker = roster.makeWorker()
        var jobId: UUID?
        let importing = try await clock.measure {
            switch try await roster.imports.start(application: "Bench", selection: .all, by: admin) {
            case .queued(let job):
                jobId = job.id
                try await worker.drain { try await roster.imports.progress(id: job.id, by: .system).isFinished }
            case .finished(let job, _):
                jobId = job.id
            }
        }
        let peak = peakMemoryMB()
        var job: ImportJob?
        if let jobId { job = try await roster.imports.progress(id: jobId, by: .system) }
        return ImportReport(
            users: users, downloadSeconds: download.seconds, importSeconds: importing.seconds,
            ratio: importing.seconds / max(download.seconds, 0.001), peakMemoryMB: peak,
            usersPerSecond: Int(Double(users) / max(importing.seconds, 0.001)), created: job?.created ?? 0,
            skipped: job?.skipped ?? 0, failed: job?.failed ?? 0)
    }

    /// Adds users `from..<to` straight into the store, 5,000 per transaction.
    public static func seedUsers(_ roster: Roster, from: Int, to: Int) async throws {
        var next = from
        let started = Date()
        while next < to {
            let batch = (next..<min(next + 5_000, to)).map { i in
                DirectoryUser(
                    email: String(format: "user%08d@example.com", i), username: String(format: "user%08d", i),
                    firstname: "First\(i % 977)", lastname: "Last\(i % 1013)", displayname: "Person \(i)",
                    jobTitle: "Engineer", department: "R&D", created: started.addingTimeInterval(Double(i) / 1000))
            }
            try await roster.storage.insertUsers(batch)
            next += batch.count
            if next / 100_000 != (next - batch.count) / 100_000 {
                FileHandle.standardError.write(Data("seeded \(next) users\n".utf8))
            }
        }
    }

    /// Adds `count` realistic users straight into the store, 5,000 per transaction, in no order of
    /// email or username. With `listed`, one listed user in a hundred (with an email of their own) is
    /// among them: the import finds them already in the directory.
    public static func seedRealisticUsers(_ roster: Roster, count: Int, alsoListedIn listed: RealisticUsers?)
        async throws
    {
        guard count > 0 else { return }
        let people = RealisticUsers(count: count, seed: 7)
        let now = Date()
        var overlap: [String] = []
        if let listed {
            for i in stride(from: 50, to: listed.count, by: 100) where listed.problem(i) == nil {
                overlap.append(listed.ownEmail(i))
            }
        }
        var next = 0
        while next < count {
            let batch = (next..<min(next + 5_000, count)).map { i in
                let person = people.person(i)
                let email = i < overlap.count ? overlap[i] : "dir.\(people.ownEmail(i))"
                return DirectoryUser(
                    email: email, username: email, firstname: person.given, lastname: person.family,
                    displayname: "\(person.given) \(person.family)", jobTitle: "Engineer", department: "R&D",
                    created: now.addingTimeInterval(-Double(count - i)))
            }
            try await roster.storage.insertUsers(batch)
            next += batch.count
        }
    }

    /// Adds `count` Insights events straight into the store, a second apart, 10,000 per transaction.
    public static func seedEvents(_ roster: Roster, count: Int) async throws {
        let start = Date().addingTimeInterval(-Double(count))
        var next = 0
        while next < count {
            let batch = (next..<min(next + 10_000, count)).map { i in
                InsightsEvent(
                    time: start.addingTimeInterval(Double(i)), type: i % 10 == 0 ? .importComplete : .userCreate,
                    initiator: .system, resource: .init(type: "user", id: nil, name: "user\(i)@example.com"))
            }
            try await roster.storage.insertEvents(batch)
            next += batch.count
            if next / 1_000_000 != (next - batch.count) / 1_000_000 {
                FileHandle.standardError.write(Data("seeded \(next) events\n".utf8))
            }
        }
    }

    /// Starts VmHWM again from the memory resident now (Linux: "5" to clear_refs).
    static func resetPeakMemory() {
        // Memory the download freed goes back to the system first, or it would count as the import's.
        #if canImport(Glibc)
            // glibc's malloc_trim, which Swift's Glibc module does not export.
            if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
                typealias Trim = @convention(c) (Int) -> Int32
                _ = unsafeBitCast(symbol, to: Trim.self)(0)
            }
        #endif
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM: the most resident memory this process has had.
    public static func peakMemoryMB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return kilobytes / 1024
    }
}

extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
