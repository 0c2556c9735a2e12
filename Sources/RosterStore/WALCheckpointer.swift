import Foundation
import Logging
import SQLKit
import SQLiteKit

/// Copies SQLite's write-ahead log into the database file from a connection of its own, so that
/// writers never stop to do it. SQLite's automatic checkpoint runs inside the commit that crosses
/// its threshold, on the writer's time: a sixth of a large import's commits went to it. A passive
/// checkpoint waits for no one and blocks no one; the writer's own stays as a backstop.
final class WALCheckpointer: Sendable {
    /// The writer checkpoints itself only when the log passes this size.
    static let backstopBytes = 40 << 20
    private let task: Task<Void, Never>
    private let connection: SQLiteConnection

    private init(connection: SQLiteConnection, task: Task<Void, Never>) {
        self.connection = connection
        self.task = task
    }

    static func start(path: String, every interval: Duration = .milliseconds(200), logger: Logger) async throws
        -> WALCheckpointer
    {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let db = connection.sql()
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    try await db.raw("PRAGMA wal_checkpoint(PASSIVE)").run()
                } catch is CancellationError {
                    return
                } catch {
                    // The writer's backstop still bounds the log; say why this one could not.
                    logger.debug("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
        return WALCheckpointer(connection: connection, task: task)
    }

    func stop() async throws {
        task.cancel()
        await task.value
        try await connection.close()
    }
}
