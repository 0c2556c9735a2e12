import Foundation
import Logging

/// Sends one queued message. The queue leases each message to one worker, so however many
/// instances run, a message goes once; a failed send is tried again later with back-off.
public struct MailDelivery: JobHandler {
    let storage: any Storage
    let sender: any MailSender
    let logger: Logger
    /// Attempts before a message is given up (about two days with the back-off below).
    public static let maxAttempts = 16

    public init(storage: any Storage, sender: any MailSender, logger: Logger) {
        self.storage = storage
        self.sender = sender
        self.logger = logger
    }

    public func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome {
        guard case .mail(let id) = payload else { return .failed("not a mail job") }
        guard let mail = try await storage.mail(id: id) else {
            return .failed("message \(id.text) is not in the outbox")
        }
        guard mail.sent == nil else { return .done }
        do {
            try await sender.send(mail)
        } catch {
            RosterMetrics.mail(sent: false)
            let failure = RosterError.from(error)
            let reason = failure.stored
            logger.warning(
                "email delivery failed",
                metadata: [
                    "to": "\(mail.recipient)", "attempt": "\(attempt)",
                    "error": "\(failure)",
                ])
            guard attempt < Self.maxAttempts else { return .failed(reason) }
            return .retry(after: Self.backoff(attempt: attempt), reason: reason)
        }
        try await storage.markMailSent(id: id, at: Date())
        RosterMetrics.mail(sent: true)
        logger.info("email sent", metadata: ["to": "\(mail.recipient)", "subject": "\(mail.subject)"])
        return .done
    }

    /// 5 s, 10 s, 20 s … up to an hour: a server that is down for a moment is caught up quickly.
    static func backoff(attempt: Int) -> Duration {
        .seconds(min(3600, 5 << min(max(attempt - 1, 0), 10)))
    }
}
