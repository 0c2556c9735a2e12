import Crypto
import Foundation
import Logging
import PostgresKit
import RosterCore
import RosterStore

/// The databases tests run on: SQLite always, and PostgreSQL when `ROSTER_TEST_POSTGRES_URL` is
/// set. Under `CI=true` a missing PostgreSQL fails the run instead of halving it without a word.
public enum TestBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    public static var all: [TestBackend] {
        TestStores.postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }
}

public struct TestStoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Fresh databases, each a copy of one migrated once per test run (the way SwiftPackageIndex-Server
/// gives each test a database): a SQLite file copied, a PostgreSQL database created from a template.
public enum TestStores {
    public static let secrets = SecretBox(key: SymmetricKey(size: .bits256))
    public static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["ROSTER_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if url == nil, ProcessInfo.processInfo.environment["CI"] == "true" {
            fatalError(
                "CI=true and ROSTER_TEST_POSTGRES_URL is not set: the PostgreSQL half of the tests would not run")
        }
        return url
    }

    /// `count` stores on one fresh database, as `count` instances of Roster have it; each is shut
    /// down, and the database dropped, when `body` ends.
    public static func with<T>(
        _ backend: TestBackend, instances count: Int = 1, _ body: ([SQLStore]) async throws -> T
    ) async throws -> T {
        let (stores, cleanup) = try await readable { try await open(backend, instances: count) }
        do {
            let result = try await readable { try await body(stores) }
            try await cleanup()
            return result
        } catch {
            try? await cleanup()
            throw error
        }
    }

    /// PostgreSQL's errors say what went wrong only when asked to (`String(reflecting:)`): a test
    /// that fails on one says it.
    static func readable<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError {
            throw TestStoreError(String(reflecting: error))
        }
    }

    /// Runs `body` on every backend of ``TestBackend/all`` in turn.
    public static func each(instances count: Int = 1, _ body: (TestBackend, [SQLStore]) async throws -> Void)
        async throws
    {
        for backend in TestBackend.all {
            try await with(backend, instances: count) { try await body(backend, $0) }
        }
    }

    static func open(_ backend: TestBackend, instances count: Int) async throws
        -> ([SQLStore], @Sendable () async throws -> Void)
    {
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-test-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("roster.sqlite").path
            try FileManager.default.copyItem(atPath: try await sqliteTemplate.value, toPath: path)
            var stores: [SQLStore] = []
            for _ in 0..<count {
                stores.append(try await SQLStore.openSQLite(path: path, secrets: secrets, logger: logger, readers: 2))
            }
            return (
                stores,
                { [stores] in
                    for store in stores { try await store.shutdown() }
                    try? FileManager.default.removeItem(at: folder)
                }
            )
        case .postgres:
            guard let adminURL = postgresURL else { throw TestStoreError("ROSTER_TEST_POSTGRES_URL is not set") }
            let template = try await postgresTemplate.value
            let name =
                "roster_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
            // Several tests copy the template at once; PostgreSQL refuses one while another copies it.
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try await run(adminURL, "CREATE DATABASE \(name) TEMPLATE \(template)")
                    break
                } catch  where attempt < 50 {
                    try await Task.sleep(for: .milliseconds(50 * attempt))
                }
            }
            let url = databaseURL(adminURL, name)
            var stores: [SQLStore] = []
            for _ in 0..<count {
                stores.append(try await SQLStore.openPostgres(url: url, poolSize: 2, secrets: secrets, logger: logger))
            }
            return (
                stores,
                { [stores] in
                    for store in stores { try await store.shutdown() }
                    try await run(adminURL, "DROP DATABASE \(name)")
                }
            )
        }
    }

    /// A SQLite file migrated once, copied for each test.
    static let sqliteTemplate = Task<String, any Error> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-template-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("template.sqlite").path
        let store = try await SQLStore.openSQLite(path: path, secrets: secrets, logger: logger, readers: 1)
        // Closing the last connection folds the write-ahead log into the file: one file to copy.
        try await store.shutdown()
        return path
    }

    /// A PostgreSQL database migrated once, the template of each test's.
    static let postgresTemplate = Task<String, any Error> {
        guard let adminURL = postgresURL else { throw TestStoreError("ROSTER_TEST_POSTGRES_URL is not set") }
        let name =
            "roster_template_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        try await run(adminURL, "CREATE DATABASE \(name)")
        let store = try await SQLStore.openPostgres(
            url: databaseURL(adminURL, name), poolSize: 1, secrets: secrets, logger: logger)
        try await store.shutdown()
        return name
    }

    static func databaseURL(_ adminURL: String, _ name: String) -> String {
        var url = URLComponents(string: adminURL)!
        url.path = "/\(name)"
        return url.string!
    }

    /// Runs one statement on the administration database (CREATE/DROP DATABASE cannot be bound).
    public static func run(_ url: String, _ statement: String) async throws {
        guard let components = URLComponents(string: url), let host = components.host,
            host == "127.0.0.1" || host == "localhost"
        else {
            // Tests create and drop databases: never anywhere but this machine.
            throw TestStoreError("ROSTER_TEST_POSTGRES_URL must point at localhost")
        }
        let connection = try await PostgresConnection.connect(
            configuration: try SQLPostgresConfiguration(url: url).coreConfiguration, id: 1, logger: logger)
        do {
            try await connection.sql().raw(SQLQueryString(statement)).run()
        } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
    }
}
