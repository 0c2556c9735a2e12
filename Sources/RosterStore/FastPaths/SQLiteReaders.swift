import Foundation
import Logging
import SQLiteKit
import Synchronization

/// SQLite's read-only connections. In WAL mode a reader sees the last commit and never waits for
/// the writer, so the users list, the import screen and the SCIM service's reads go on while an
/// import's batches or a burst of writes hold the store's one writing connection.
public final class SQLiteReaders: Sendable {
    private struct State {
        var idle: [SQLiteConnection]
        var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []
    }
    private let state: Mutex<State>
    private let all: [SQLiteConnection]
    /// The readers' own threads: on SQLiteNIO's shared pool (a thread per core) a page waited for
    /// threads an import's batches and page decoding held.
    private let threads: NIOThreadPool

    /// How many reads run at once by default; more wait for a connection in turn.
    public static let count = 4

    private init(_ connections: [SQLiteConnection], threads: NIOThreadPool) {
        all = connections
        state = Mutex(State(idle: connections))
        self.threads = threads
    }

    static func open(path: String, count: Int, logger: Logger) async throws -> SQLiteReaders {
        var connections: [SQLiteConnection] = []
        let threads = NIOThreadPool(numberOfThreads: max(1, count))
        threads.start()
        do {
            for _ in 0..<max(1, count) {
                let connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: threads, logger: logger,
                    on: MultiThreadedEventLoopGroup.singleton.any())
                connections.append(connection)
                let db = connection.sql()
                try await db.raw("PRAGMA busy_timeout = 10000").run()
                // A reader never writes: a bug that tried would fail here, not take the file's write lock.
                try await db.raw("PRAGMA query_only = ON").run()
                try await db.raw("PRAGMA cache_size = -8192").run()
            }
        } catch {
            for connection in connections { try? await connection.close() }
            try? await threads.shutdownGracefully()
            throw error
        }
        return SQLiteReaders(connections, threads: threads)
    }

    /// Runs `body` with a connection of its own, waiting for one when all are busy.
    func with<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = await take()
        defer { give(connection) }
        return try await body(connection)
    }

    private func take() async -> SQLiteConnection {
        if let free = state.withLock({ $0.idle.popLast() }) { return free }
        return await withCheckedContinuation { continuation in
            let free = state.withLock { state -> SQLiteConnection? in
                if let free = state.idle.popLast() { return free }
                state.waiters.append(continuation)
                return nil
            }
            if let free { continuation.resume(returning: free) }
        }
    }

    /// Hands the connection to the next waiter, if any.
    private func give(_ connection: SQLiteConnection) {
        let waiter = state.withLock { state -> CheckedContinuation<SQLiteConnection, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    func close() async {
        for connection in all { try? await connection.close() }
        try? await threads.shutdownGracefully()
    }
}
