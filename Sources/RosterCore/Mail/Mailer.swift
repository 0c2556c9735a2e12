import Foundation
import Logging

/// Delivers email. Every message is first written to the outbox folder, so a failed send
/// never loses it: without SMTP the outbox is the destination; with SMTP, messages wait in
/// `outbox/pending` until the server accepts them and then move to `outbox/sent`.
public struct Mailer: Sendable {
    public let outbox: URL
    public let smtp: SMTPConfiguration?
    public let from: String
    let logger: Logger

    public init(outbox: URL, smtp: SMTPConfiguration?, from: String, logger: Logger) {
        self.outbox = outbox
        self.smtp = smtp
        self.from = from
        self.logger = logger
    }

    var pending: URL { outbox.appendingPathComponent("pending") }
    var sent: URL { outbox.appendingPathComponent("sent") }

    /// Stores the message durably, then tries to send it once (the delivery loop retries).
    public func send(_ message: EmailMessage) async throws {
        let folder = smtp == nil ? outbox : pending
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = "\(ISO8601DateFormatter().string(from: message.date).replacingOccurrences(of: ":", with: ""))-\(message.id).eml"
        let file = folder.appendingPathComponent(name)
        // Written under a temporary name and renamed, so a reader never sees half a message.
        let temporary = folder.appendingPathComponent(".\(name).tmp")
        try Data(message.rendered().utf8).write(to: temporary)
        try FileManager.default.moveItem(at: temporary, to: file)
        logger.info("email queued", metadata: ["to": "\(message.to)", "file": "\(file.lastPathComponent)"])
        if smtp != nil { await deliverPending() }
    }

    /// Sends every waiting message; failures stay pending for the next round.
    @discardableResult
    public func deliverPending() async -> Int {
        guard let smtp else { return 0 }
        let files = ((try? FileManager.default.contentsOfDirectory(at: pending, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "eml" && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var delivered = 0
        for file in files {
            guard let data = try? Data(contentsOf: file), let recipient = Self.recipient(in: data) else { continue }
            do {
                try await SMTPClient(configuration: smtp, logger: logger).send(from: from, to: recipient, data: data)
                try FileManager.default.createDirectory(at: sent, withIntermediateDirectories: true)
                try? FileManager.default.removeItem(at: sent.appendingPathComponent(file.lastPathComponent))
                try FileManager.default.moveItem(at: file, to: sent.appendingPathComponent(file.lastPathComponent))
                delivered += 1
            } catch {
                logger.warning("email delivery failed, will retry", metadata: ["file": "\(file.lastPathComponent)", "error": "\(error)"])
            }
        }
        return delivered
    }

    static func recipient(in message: Data) -> String? {
        let text = String(decoding: message.prefix(4096), as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") {
            if line.isEmpty { break }
            if line.hasPrefix("To: ") { return String(line.dropFirst(4)) }
        }
        return nil
    }
}
