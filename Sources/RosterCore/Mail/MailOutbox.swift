import Foundation
import Synchronization

/// Where the domain puts the email it sends. A request only enqueues: the message is stored
/// with a delivery job in one transaction, and a worker (``MailDelivery``) sends it.
public struct MailOutbox: Sendable {
    let storage: any Storage
    /// The sender address of every message.
    public let from: String
    private let enqueued = Counter()

    public init(storage: any Storage, from: String) {
        self.storage = storage
        self.from = from
    }

    /// Stores the message with its delivery job; in `tx`, with the change it tells of.
    public func enqueue(_ message: EmailMessage, in tx: (any Storage)? = nil) async throws {
        try await (tx ?? storage).enqueueMail(OutboxMail(message))
        enqueued.add()
    }

    /// How many messages this process enqueued: a command that made mail delivers it before it exits.
    public var enqueuedHere: Int { enqueued.value }

    public func mails(limit: Int, by initiator: Initiator) async throws -> [OutboxMail] {
        try initiator.require(.manageAdministrators)
        return try await storage.mails(limit: limit)
    }

    private final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
