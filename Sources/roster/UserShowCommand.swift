import ArgumentParser
import Foundation
import RosterApp
import RosterCore

extension UserCommand {
    /// `roster user show EMAIL`: every attribute the directory keeps of one user, its manager named.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one user: SPEC's attributes, every email and phone number, the manager, language, "
                + "locale and time zone.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        @Flag(help: "The user as JSON (the keys of users list --json, the manager resolved).") var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let user = try await roster.directory.find(email: email, by: .system)
                let manager = try await roster.directory.manager(of: user, by: .system)
                if json { return try printJSON(UserJSON(user, manager: manager)) }
                var rows: [(String, String?)] = [
                    ("email", user.email), ("username", user.username), ("state", user.state.rawValue),
                    ("password", user.passwordStatus.rawValue), ("name", user.label), ("jobTitle", user.jobTitle),
                    ("department", user.department), ("division", user.profile.text("division")),
                ]
                let sentManager = user.profile.manager
                if let manager {
                    rows.append(("manager", "\(manager.label) <\(manager.email)> (user \(manager.id.text))"))
                } else if let sentManager {
                    rows.append(
                        ("manager", (sentManager.displayName ?? sentManager.value ?? "") + " (not a user here)"))
                }
                let emails = user.profile.entries("emails")
                for e in emails.isEmpty ? [.init(value: user.email, type: "work", primary: true)] : emails {
                    rows.append(("email (\(e.type ?? "other"))", (e.value ?? "") + (e.primary ? ", primary" : "")))
                }
                let phones = user.profile.entries("phoneNumbers")
                for p in phones {
                    rows.append(("phone (\(p.type ?? "other"))", p.value))
                }
                if phones.isEmpty {
                    for p in user.phoneNumbers { rows.append(("phone (\(p.type))", p.number)) }
                }
                for name in ["preferredLanguage", "locale", "timezone", "nickName"] {
                    rows.append((name, user.profile.text(name)))
                }
                for (name, value) in user.custom.sorted(by: { $0.key < $1.key }) { rows.append((name, value.text)) }
                for (name, value) in rows { if let value, !value.isEmpty { printRow(name, value) } }
            }
        }
    }
}
