import Foundation
import Logging
import RosterCore

/// With SMTP, mail goes to the server; a copy of each sent message is kept in `outbox/sent`.
struct SMTPMailSender: MailSender {
    let configuration: SMTPConfiguration
    let timeout: Duration
    let sentFolder: URL
    let logger: Logger

    func send(_ mail: OutboxMail) async throws {
        try await SMTPClient(configuration: configuration, logger: logger, timeout: timeout)
            .send(from: Self.sender(in: mail.rendered) ?? "", to: mail.recipient, data: Data(mail.rendered.utf8))
        try? OutboxFolderSender.write(mail, into: sentFolder)
    }

    /// The `From:` address of a rendered message (the envelope sender is the same).
    static func sender(in message: String) -> String? {
        for line in message.prefix(4096).components(separatedBy: "\r\n") {
            if line.isEmpty { break }
            if line.hasPrefix("From: ") { return String(line.dropFirst(6)) }
        }
        return nil
    }
}
