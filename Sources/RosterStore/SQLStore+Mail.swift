import Foundation
import RosterCore
import SQLKit

extension SQLStore: MailRepository {
    public func enqueueMail(_ mail: OutboxMail) async throws {
        try await sqlTransaction { db in
            try await db.raw(
                """
                INSERT INTO mail_outbox (id, recipient, subject, message, created)
                VALUES (\(bind: mail.id.text), \(bind: mail.recipient), \(bind: mail.subject), \(bind: mail.rendered),
                  \(bind: mail.created.millis))
                """
            ).run()
            try await Self.insertJob(
                id: UUID.random(), .mail(messageId: mail.id), status: "queued", at: self.now, in: db)
        }
    }

    public func mail(id: UUID) async throws -> OutboxMail? {
        try await read { db in
            try await db.raw("SELECT * FROM mail_outbox WHERE id = \(bind: id.text)").first().map(Self.mail)
        }
    }

    public func markMailSent(id: UUID, at: Date) async throws {
        try await withDB { db in
            try await db.raw("UPDATE mail_outbox SET sent = \(bind: at.millis) WHERE id = \(bind: id.text)").run()
        }
    }

    public func mails(limit: Int) async throws -> [OutboxMail] {
        try await read { db in
            var mails = try await db.raw("SELECT * FROM mail_outbox ORDER BY created DESC LIMIT \(bind: limit)").all()
                .map(Self.mail)
            // The delivery job holds why a message still waits; found by its payload.
            for index in mails.indices where mails[index].sent == nil {
                let payload = JobPayload.mail(messageId: mails[index].id).encoded()
                mails[index].lastError = try await db.raw(
                    "SELECT last_error FROM jobs WHERE kind = 'mail' AND payload = \(bind: payload) LIMIT 1"
                ).first()?.optionalString("last_error")
            }
            return mails
        }
    }

    static func mail(_ row: any SQLRow) throws -> OutboxMail {
        OutboxMail(
            id: try row.uuid("id"), recipient: try row.string("recipient"), subject: try row.string("subject"),
            rendered: try row.string("message"), created: try row.date("created"), sent: try row.optionalDate("sent"))
    }
}
