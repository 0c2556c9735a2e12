import Foundation

/// The rules for a name an administrator gives (an application, a group, an API key): one place,
/// so every door refuses the same names with the same words.
enum Naming {
    static let maxLength = 200

    /// `raw` trimmed, or an error that says what to change: 1 to 200 characters, no control
    /// characters (a database refuses NUL, and a name is shown on pages and in email), and not an
    /// id, which would be mistaken for another's in links.
    /// `idLike` lets a name look like an id: SCIM clients name groups as they like, and a link
    /// finds a group by its name before its id (the caller refuses another group's id).
    static func name(_ raw: String, of kind: String, idLike: Bool = false) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= maxLength else {
            throw RosterError.invalid("\(kind) needs a name of 1 to \(maxLength) characters")
        }
        guard !name.unicodeScalars.contains(where: \.properties.isControl) else {
            throw RosterError.invalid("\(kind)'s name cannot contain control characters")
        }
        if !idLike, UUID(uuidString: name) != nil {
            throw RosterError.invalid("\"\(name)\" looks like an id, which names \(kind) in links: choose another name")
        }
        return name
    }
}

extension Unicode.Scalar.Properties {
    /// C0 and C1 controls and DEL (general category Cc).
    var isControl: Bool { generalCategory == .control }
}
