/// Hands a message to whatever delivers it: an SMTP server, or the outbox folder when there is none.
public protocol MailSender: Sendable {
    func send(_ mail: OutboxMail) async throws
}
