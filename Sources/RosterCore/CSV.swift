import Foundation

/// RFC 4180 CSV, for the downloads and the import email.
public enum CSV {
    public static func document(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(row).joined()
    }

    /// One line, with its CRLF.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// Quotes a field; a leading formula character (or a TAB or CR a spreadsheet would skip to
    /// find one) is escaped so spreadsheets show text (OWASP's CSV injection advice).
    public static func field(_ value: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character, so a lone CR or LF would slip past.
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension ImportResult {
    /// Every result of a job as CSV: the email's attachment and the portal's download.
    public static func csv(_ results: [ImportResult]) -> String {
        csvHeader + results.map(\.csvRow).joined()
    }

    public static let csvHeader = CSV.row(["remoteId", "userName", "outcome", "userId", "reason"])

    public var csvRow: String {
        CSV.row([remoteId, userName ?? "", outcome.rawValue, userId?.text ?? "", reason ?? ""])
    }
}
