import Foundation

/// An `application/x-www-form-urlencoded` body: the portal's forms post these.
struct FormData: Sendable {
    private var fields: [(String, String)] = []

    init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            fields.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
    }

    /// The first value, trimmed; nil when absent or blank.
    subscript(_ name: String) -> String? {
        fields.first { $0.0 == name }.map { $0.1.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap {
            $0.isEmpty ? nil : $0
        }
    }

    /// The value exactly as typed (passwords).
    func raw(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1).filter { !$0.isEmpty } }
}

/// A one-line message shown on the next page after an action, carried in a short-lived cookie.
struct Flash: Sendable {
    enum Kind: String, Sendable { case notice, error }
    var kind: Kind
    var text: String

    static let cookieName = "roster_flash"

    var cookieValue: String {
        kind.rawValue + ":" + (text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    init?(cookieValue: String) {
        let parts = cookieValue.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])),
            let text = String(parts[1]).removingPercentEncoding
        else { return nil }
        self.init(kind, String(text.prefix(1000)))
    }
}
