import Foundation

/// The outbox: every message Roster sends waits here until a sender claims it.
public protocol MailRepository: Sendable {
    /// Stores the message and queues its delivery in one transaction.
    func enqueueMail(_ mail: OutboxMail) async throws
    func mail(id: UUID) async throws -> OutboxMail?
    func markMailSent(id: UUID, at: Date) async throws
    /// The newest messages, for operators.
    func mails(limit: Int) async throws -> [OutboxMail]
}

/// A message in the outbox, rendered once as it will be sent.
public struct OutboxMail: Sendable, Hashable {
    public var id: UUID
    public var recipient: String
    public var subject: String
    /// RFC 5322 text: what the SMTP server receives and what `outbox/*.eml` holds.
    public var rendered: String
    public var created: Date
    public var sent: Date?
    /// Why the last attempt to send failed, while the message still waits (or was given up).
    public var lastError: String?

    public init(
        id: UUID, recipient: String, subject: String, rendered: String, created: Date, sent: Date? = nil,
        lastError: String? = nil
    ) {
        self.lastError = lastError
        self.id = id
        self.recipient = recipient
        self.subject = subject
        self.rendered = rendered
        self.created = created
        self.sent = sent
    }

    public init(_ message: EmailMessage) {
        self.init(
            id: message.id, recipient: message.to, subject: message.subject, rendered: message.rendered(),
            created: message.date)
    }
}
