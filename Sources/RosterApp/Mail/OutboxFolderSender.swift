import Foundation
import Logging
import RosterCore

/// Without SMTP, the outbox folder is where mail goes: each message becomes `outbox/*.eml`,
/// exactly what an SMTP server would have received.
struct OutboxFolderSender: MailSender {
    let folder: URL

    func send(_ mail: OutboxMail) async throws {
        try Self.write(mail, into: folder)
    }

    /// Written under a temporary name and renamed, so a reader never sees half a message.
    static func write(_ mail: OutboxMail, into folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let stamp = ISO8601DateFormatter().string(from: mail.created).replacingOccurrences(of: ":", with: "")
            let name = "\(stamp)-\(mail.id.text).eml"
            let temporary = folder.appendingPathComponent(".\(name).tmp")
            try Data(mail.rendered.utf8).write(to: temporary)
            let file = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: file)
            try FileManager.default.moveItem(at: temporary, to: file)
        } catch {
            throw RosterError.internal("cannot write the email to \(folder.path): \(error)")
        }
    }
}
