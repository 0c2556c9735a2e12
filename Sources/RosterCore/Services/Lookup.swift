import Foundation

/// Finds what administrators name: applications and groups by name (or id, as the portal's
/// links do), users by email. One place, so every door answers "not found" alike.
struct Lookup: Sendable {
    let storage: any Storage

    func application(_ name: String) async throws -> Application {
        if let application = try await storage.application(named: name) { return application }
        if let id = UUID(uuidString: name), let application = try await storage.application(id: id) {
            return application
        }
        throw RosterError.notFound("there is no application named \"\(name)\"")
    }

    func group(_ name: String) async throws -> UserGroup {
        if let group = try await storage.group(named: name) { return group }
        if let id = UUID(uuidString: name), let group = try await storage.group(id: id) { return group }
        throw RosterError.notFound("there is no group named \"\(name)\"")
    }

    func user(email: String) async throws -> DirectoryUser {
        guard
            let user = try await storage.usersMatching(keys: [email]).first(where: {
                $0.email.lowercased() == email.lowercased()
            })
        else {
            throw RosterError.notFound("no directory user has the email \(email)")
        }
        return user
    }

    /// The users with these emails, in their order; every one must exist.
    func users(emails: [String]) async throws -> [DirectoryUser] {
        guard !emails.isEmpty else { throw RosterError.invalid("name at least one user by email") }
        let found = try await storage.usersMatching(keys: emails)
        let byEmail = Dictionary(found.map { ($0.email.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        let missing = emails.filter { byEmail[$0.lowercased()] == nil }
        guard missing.isEmpty else {
            throw RosterError.notFound("no directory user has the email \(missing.joined(separator: ", "))")
        }
        return emails.compactMap { byEmail[$0.lowercased()] }
    }
}
