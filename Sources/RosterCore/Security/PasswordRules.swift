import Foundation

/// What a password must be: long, and not one of the passwords breaches show people pick.
public enum PasswordRules {
    public static let minimumLength = 12

    /// The most common passwords of public breach corpora, stems that padding cannot hide.
    static let breachedStems = [
        "password", "passw0rd", "123456", "qwerty", "azerty", "letmein", "welcome", "iloveyou",
        "admin", "abc123", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
        "master", "shadow", "trustno1", "changeme", "secret", "login", "starwars", "whatever",
    ]

    public static func check(_ password: String, for user: DirectoryUser) throws {
        try check(password, email: user.email, username: user.username)
    }

    /// The same rules for anyone with an email and perhaps a username (administrators too).
    public static func check(_ password: String, email: String, username: String?) throws {
        guard password.count >= minimumLength else {
            throw RosterError.invalid("the password must have at least \(minimumLength) characters")
        }
        let lowered = password.lowercased()
        if Set(lowered).count <= 3 {
            throw RosterError.invalid("the password repeats too few characters; choose a less predictable one")
        }
        if let stem = breachedStems.first(where: { lowered.contains($0) }) {
            throw RosterError.invalid(
                "the password contains \"\(stem)\", one of the most breached passwords; choose another")
        }
        let local = email.split(separator: "@").first.map { String($0).lowercased() } ?? ""
        for part in [local, username?.lowercased() ?? ""] where part.count >= 4 && lowered.contains(part) {
            throw RosterError.invalid("the password must not contain your email or username")
        }
        if isSequence(lowered) {
            throw RosterError.invalid("the password is a keyboard or number sequence; choose another")
        }
    }

    static func isSequence(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        guard scalars.count > 1 else { return false }
        return zip(scalars, scalars.dropFirst()).allSatisfy { $1 == $0 + 1 }
            || zip(scalars, scalars.dropFirst()).allSatisfy { $1 + 1 == $0 }
    }
}
