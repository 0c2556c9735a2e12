import Foundation

/// An email Roster sends, rendered as RFC 5322 text (the `.eml` in the outbox is exactly
/// what an SMTP server receives).
public struct EmailMessage: Sendable, Hashable {
    public struct Attachment: Sendable, Hashable {
        public var filename: String
        public var contentType: String
        public var data: Data
        public init(filename: String, contentType: String, data: Data) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    public var id: UUID
    public var from: String
    public var to: String
    public var subject: String
    public var text: String
    public var attachments: [Attachment]
    public var date: Date

    public init(
        from: String, to: String, subject: String, text: String, attachments: [Attachment] = [], date: Date = Date()
    ) {
        self.id = UUID.random()
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.attachments = attachments
        self.date = date
    }

    public func rendered() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map(String.init) ?? "roster.local"
        var headers = [
            "From: \(from)", "To: \(to)", "Subject: \(Self.encodeHeader(subject))",
            "Date: \(formatter.string(from: date))", "Message-ID: <\(id.text)@\(domain)>", "MIME-Version: 1.0",
        ]
        let textPart = [
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
            Self.base64Lines(Data(text.utf8)),
        ]
        guard !attachments.isEmpty else {
            return (headers + textPart).joined(separator: "\r\n") + "\r\n"
        }
        let boundary = "roster-\(id.text)"
        headers.append("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
        var lines = headers + ["", "--\(boundary)"] + textPart
        for attachment in attachments {
            lines += [
                "--\(boundary)", "Content-Type: \(attachment.contentType); name=\"\(attachment.filename)\"",
                "Content-Disposition: attachment; filename=\"\(attachment.filename)\"",
                "Content-Transfer-Encoding: base64", "", Self.base64Lines(attachment.data),
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 2047 encoding, only when the subject is not plain ASCII.
    static func encodeHeader(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 126 || $0.value < 32 }) else { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ data: Data) -> String {
        data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }
}
