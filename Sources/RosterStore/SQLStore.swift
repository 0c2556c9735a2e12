@preconcurrency import AsyncKit
import Foundation
import Logging
import PostgresKit
import RosterCore
import SQLKit
import SQLiteKit
import Synchronization

/// The one implementation of ``Storage``, on SQLKit, for SQLite and PostgreSQL alike.
///
/// SQLite runs on one connection: an async lock gives each operation (and each transaction)
/// the connection to itself, and SQLite's own file lock orders several processes.
/// PostgreSQL runs on a pool: a transaction holds one pooled connection for its length.
public final class SQLStore: Storage, Sendable {
    let db: any SQLDatabase
    let dialect: Dialect
    let secrets: SecretBox
    let logger: Logger
    /// SQLite only: its single connection is shared, so access is taken in turns.
    private let lock: AsyncLock?
    /// SQLite's connection, for the writes that bind values to it directly (``PreparedInsert``).
    let sqlite: SQLiteConnection?
    /// SQLite's connection below SQLiteNIO, for the inserts of an import (``SQLiteDirect``).
    let direct: SQLiteDirect?
    /// PostgreSQL's pool below SQLKit, for an import's batches with their values encoded ahead.
    let postgres: (any PostgresDatabase)?
    /// SQLite only: the connections reads take outside a transaction.
    let readers: SQLiteReaders?
    /// The time of the job queue's leases and delays: the clock, unless a test sets its own.
    private let clock = Mutex<@Sendable () -> Date>({ Date() })
    private let close: @Sendable () async throws -> Void

    init(
        db: any SQLDatabase, dialect: Dialect, secrets: SecretBox, logger: Logger,
        sqlite: SQLiteConnection? = nil, readers: SQLiteReaders? = nil, postgres: (any PostgresDatabase)? = nil,
        close: @escaping @Sendable () async throws -> Void
    ) {
        self.readers = readers
        self.sqlite = sqlite
        self.postgres = postgres
        let direct = sqlite.flatMap(SQLiteDirect.init)
        self.direct = direct
        self.db = db
        self.dialect = dialect
        self.secrets = secrets
        self.logger = logger
        self.lock = dialect == .sqlite ? AsyncLock() : nil
        self.close = {
            direct?.close()
            try await close()
        }
    }

    /// Opens (creating if needed) the SQLite database at `path` and migrates it; `readers` read-only
    /// connections serve reads outside transactions.
    public static func openSQLite(
        path: String, secrets: SecretBox, logger: Logger, readers: Int = SQLiteReaders.count
    ) async throws -> SQLStore {
        // Processes opening a new file together (instances starting at once) can find it locked
        // while another one switches it to WAL, which SQLite answers busy without waiting: try again.
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            do {
                return try await open(connection, path: path, readers: readers, secrets: secrets, logger: logger)
            } catch let error as SQLiteError where [.busy, .busyTimeout].contains(error.reason) && attempt < 50 {
                try? await connection.close()
                logger.debug("database busy while opening, trying again", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                // A connection must be closed before it goes: SQLiteNIO stops the process otherwise.
                try? await connection.close()
                throw error
            }
        }
    }

    private static func open(
        _ connection: SQLiteConnection, path: String, readers count: Int, secrets: SecretBox, logger: Logger
    ) async throws -> SQLStore {
        let db = connection.sql(queryLogLevel: .trace)
        // busy_timeout first: processes opening a new file together (instances starting at once)
        // wait for each other's locks, switching to WAL included, instead of failing at once.
        try await db.raw("PRAGMA busy_timeout = 10000").run()
        // A new file gets pages of 16 KiB (SQLite's default is 4): an import splits and logs fewer
        // index pages, a tenth of its time at 100,000 users. An existing file keeps its size.
        try await db.raw("PRAGMA page_size = 16384").run()
        // WAL lets readers in other processes (a CLI next to the server) go on while one writes.
        try await db.raw("PRAGMA journal_mode = WAL").run()
        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of Roster or of the
        // machine never corrupts the file, and a power cut loses at most the last commits. FULL
        // spent most of an import waiting for the disk, one sync per batch.
        try await db.raw("PRAGMA synchronous = NORMAL").run()
        // 8 MiB of page cache (the default is 2): an import's batches touch every index of users.
        try await db.raw("PRAGMA cache_size = -8192").run()
        // A multi-row insert keeps a statement journal (to undo itself on a constraint error):
        // in memory, not in a temporary file.
        try await db.raw("PRAGMA temp_store = MEMORY").run()
        let pageSize = try await db.raw("PRAGMA page_size").first()?.decode(column: "page_size", as: Int.self) ?? 4096
        let backstop = WALCheckpointer.backstopBytes / max(pageSize, 512)
        try await db.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(backstop))").run()
        try await db.raw("PRAGMA foreign_keys = ON").run()
        let checkpointer = try await WALCheckpointer.start(path: path, logger: logger)
        let readers: SQLiteReaders
        do { readers = try await SQLiteReaders.open(path: path, count: count, logger: logger) } catch {
            try? await checkpointer.stop()
            throw error
        }
        let store = SQLStore(
            db: db, dialect: .sqlite, secrets: secrets, logger: logger, sqlite: connection, readers: readers,
            close: {
                await readers.close()
                try await checkpointer.stop()
                try await connection.close()
            })
        do {
            try await store.migrate()
        } catch {
            await readers.close()
            try? await checkpointer.stop()
            throw error
        }
        return store
    }

    /// Connects a pool to PostgreSQL (`postgres://user:pass@host:port/db?tlsmode=require`) and migrates.
    public static func openPostgres(url: String, poolSize: Int, secrets: SecretBox, logger: Logger) async throws
        -> SQLStore
    {
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            throw RosterError.invalid(
                "DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:5432/database?tlsmode=require)")
        }
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration), maxConnectionsPerEventLoop: poolSize,
            requestTimeout: .seconds(30), pruneInterval: .seconds(60), logger: logger,
            on: MultiThreadedEventLoopGroup.singleton)
        let database = pool.database(logger: logger)
        let store = SQLStore(
            db: database.sql(queryLogLevel: .trace), dialect: .postgres, secrets: secrets, logger: logger,
            postgres: database, close: { try await pool.shutdownAsync() })
        do {
            try await store.migrate()
        } catch let error as PSQLError {
            try? await store.shutdown()
            throw RosterError.invalid(
                "cannot use the PostgreSQL database of DATABASE_URL: \(String(reflecting: error))")
        } catch {
            try? await store.shutdown()
            throw error
        }
        return store
    }

    public func shutdown() async throws {
        try await close()
    }

    /// The time now, as the job queue reads it.
    var now: Date { clock.withLock { $0 }() }

    /// Makes the job queue read the time from `now`: a test moves a lease past its end without
    /// waiting for it.
    public func setClock(_ now: @escaping @Sendable () -> Date) { clock.withLock { $0 = now } }

    /// The domain's unit of work: `body`'s reads and writes, through the store it is given (and
    /// any other call on this store the task makes meanwhile), commit together or not at all. A
    /// transaction PostgreSQL ends as a deadlock's victim, or one it cannot serialize, runs again.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any Storage) async throws -> T) async throws
        -> T
    {
        if inTransaction { return try await sqlTransaction { _ in try await body(self) } }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await sqlTransaction { _ in try await body(self) }
            } catch let error as PSQLError
                where attempt < 4 && ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "")
            {
                logger.debug("transaction retried", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    /// Runs `body` with the database: the SQLite connection to itself, or the PostgreSQL pool;
    /// inside a transaction of this store (``transaction(_:)``), the transaction's connection.
    func withDB<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let open = joined() { return try await body(open.db) }
        guard let lock else { return try await body(db) }
        await lock.acquire()
        do {
            let result = try await body(db)
            lock.release()
            return result
        } catch {
            lock.release()
            throw error
        }
    }

    /// Runs a read: inside a transaction on its connection (it sees its own writes); otherwise on
    /// SQLite one of the read-only connections, so a page never waits for an import's batch or a
    /// burst of writes (WAL lets readers go on while the writer writes); on PostgreSQL the pool.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let open = joined() { return try await body(open.db) }
        guard let readers else { return try await withDB(body) }
        return try await readers.with { connection in try await body(connection.sql(queryLogLevel: .trace)) }
    }

    /// Runs `body` on one connection (PostgreSQL: one pooled connection) without a transaction.
    func withSession<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let open = joined() { return try await body(open.db) }
        if lock != nil { return try await withDB(body) }
        return try await db.withSession(body)
    }

    /// Runs `body` in one transaction: all of it is committed, or none. Inside another transaction
    /// of this store it is a savepoint of that one: its failure undoes only its own statements (on
    /// PostgreSQL a failed statement would otherwise spoil the whole transaction).
    func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws
        -> T
    {
        if let open = joined() { return try await open.savepoint(body) }
        let dialect = self.dialect
        let store = ObjectIdentifier(self)
        return try await withSession { db in
            let open = OpenTransaction(store: store, db: db)
            defer { open.close() }
            return try await Self.$openTransaction.withValue(open) {
                try await Self.transaction(on: db, dialect: dialect, body)
            }
        }
    }

    static func transaction<T: Sendable>(
        on db: any SQLDatabase, dialect: Dialect,
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw(SQLQueryString(dialect.beginTransaction)).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Whether the current task is in a transaction of this store.
    var inTransaction: Bool { joined() != nil }

    /// The transaction the current task has open on this store, if any: every call the task makes
    /// on the store until it ends joins it, whichever service makes it.
    private func joined() -> OpenTransaction? {
        guard let open = Self.openTransaction, open.store == ObjectIdentifier(self), open.isOpen else { return nil }
        return open
    }

    @TaskLocal static var openTransaction: OpenTransaction?
}

/// A transaction a task has open: its connection, and the savepoints nested in it.
final class OpenTransaction: Sendable {
    let store: ObjectIdentifier
    let db: any SQLDatabase
    private let state = Mutex((open: true, savepoints: 0))

    init(store: ObjectIdentifier, db: any SQLDatabase) {
        self.store = store
        self.db = db
    }

    /// False once the transaction ended: a task it started that outlives it goes its own way.
    var isOpen: Bool { state.withLock { $0.open } }
    func close() { state.withLock { $0.open = false } }

    func savepoint<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let name = state.withLock { state in
            state.savepoints += 1
            return "roster_\(state.savepoints)"
        }
        try await db.raw("SAVEPOINT \(unsafeRaw: name)").run()
        do {
            let result = try await body(db)
            try await db.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK TO SAVEPOINT \(unsafeRaw: name)").run()
            try? await db.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            throw error
        }
    }
}

/// Where SQLite and PostgreSQL differ, in one place.
struct Dialect: Sendable, Equatable {
    let name: String
    /// SQLite: IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading.
    let beginTransaction: String
    /// PostgreSQL: claiming a job skips rows other instances are claiming at the same moment.
    let skipLocked: String
    /// PostgreSQL: claims take turns. Under READ COMMITTED two claims at the same moment cannot see each
    /// other's uncommitted row, so both could take the same work; after this lock each sees the last claim.
    let claimLock: String?
    /// PostgreSQL: instances starting together run the migrations one at a time.
    let migrationLock: String?
    let migrationUnlock: String?
    /// Prefix search through an index: SQLite's GLOB compares bytes like its indexes do;
    /// PostgreSQL's LIKE needs `text_pattern_ops` indexes outside the C locale.
    let prefixOperator: String
    let patternOps: String
    /// PostgreSQL: a row read in a transaction to be changed is locked until it ends. SQLite needs
    /// nothing: a transaction begins IMMEDIATE, holding the database's one write lock.
    let forUpdate: String

    static let sqlite = Dialect(
        name: "sqlite", beginTransaction: "BEGIN IMMEDIATE", skipLocked: "", claimLock: nil,
        migrationLock: nil, migrationUnlock: nil, prefixOperator: "GLOB", patternOps: "", forUpdate: "")
    static let postgres = Dialect(
        name: "postgresql", beginTransaction: "BEGIN", skipLocked: " FOR UPDATE SKIP LOCKED",
        claimLock: "SELECT pg_advisory_xact_lock(7241708)",
        migrationLock: "SELECT pg_advisory_lock(7241707)", migrationUnlock: "SELECT pg_advisory_unlock(7241707)",
        prefixOperator: "LIKE", patternOps: " text_pattern_ops", forUpdate: " FOR UPDATE")

    /// The pattern that matches values starting with `prefix`, its wildcards taken literally.
    func prefixPattern(_ prefix: String) -> String {
        var pattern = ""
        for c in prefix {
            switch (self == .sqlite, c) {
            case (true, "*"), (true, "?"), (true, "["): pattern += "[\(c)]"
            case (false, "%"), (false, "_"), (false, "\\"): pattern += "\\\(c)"
            default: pattern.append(c)
            }
        }
        return pattern + (self == .sqlite ? "*" : "%")
    }
}

/// A FIFO lock for async code. Taken free, it costs no suspension: an actor costs a hop to it and
/// back on every database call, each a wait for a thread while an import's pages are decoded.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func acquire() async {
        let free = state.withLock { state in
            if state.locked { return false }
            state.locked = true
            return true
        }
        if free { return }
        await withCheckedContinuation { continuation in
            // Released since the first look: taken now, else queued for the holder to hand over.
            let taken = state.withLock { state in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if taken { continuation.resume() }
        }
    }

    /// Hands the lock to the next waiter, if any, without unlocking in between.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

// MARK: - Value conversions shared by the repositories

extension Date {
    /// Milliseconds since 1970, saturating: a date from a request or a provider never traps.
    var millis: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        return Int64(exactly: value) ?? (value < 0 ? .min : .max)
    }
    init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    // Most users have no addresses or phone numbers; an encoder for "[]" cost an import dearly.
    if let array = value as? [Any], array.isEmpty { return "[]" }
    if let object = value as? [String: Any], object.isEmpty { return "{}" }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

struct StoreError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Whether the database refused a write because a row it names is not there (PostgreSQL's 23503,
/// SQLite's FOREIGN KEY constraint): the row was deleted meanwhile.
func isForeignKeyViolation(_ error: any Error) -> Bool {
    if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23503" }
    if let error = error as? SQLiteError {
        return error.reason == .constraintForeignKeyFailed
            || (error.reason == .constraint && error.message.contains("FOREIGN KEY"))
    }
    return false
}

extension Array {
    /// The elements in runs of at most `size`: statements with a bounded number of values.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// Whether the database refused a write because a unique index already holds its key (SQLite's
/// UNIQUE constraint, PostgreSQL's 23505): the write lost a race with another, a conflict.
func isUniqueViolation(_ error: any Error) -> Bool {
    if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
    if let error = error as? SQLiteDirectError { return [1555, 2067].contains(error.code) }
    if let error = error as? SQLiteError {
        return error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
            || (error.reason == .constraint && error.message.contains("UNIQUE"))
    }
    return false
}
