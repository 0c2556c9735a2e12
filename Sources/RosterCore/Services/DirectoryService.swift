import Foundation

/// Reading the directory and its audit trail.
public struct DirectoryService: Sendable {
    let storage: any Storage

    public init(storage: any Storage) {
        self.storage = storage
    }

    public func users(search: String? = nil, limit: Int = 100, offset: Int = 0, by initiator: Initiator) async throws -> [DirectoryUser] {
        try initiator.require(.read)
        guard (1...10_000).contains(limit), offset >= 0 else { throw RosterError.invalid("limit must be 1 to 10000 and offset not negative") }
        return try await storage.users(search: search, limit: limit, offset: offset)
    }

    /// Every user, a page at a time (for the command line's full listing).
    public func allUsers(by initiator: Initiator, page: ([DirectoryUser]) throws -> Void) async throws {
        try initiator.require(.read)
        var offset = 0
        while true {
            let users = try await storage.users(search: nil, limit: 1000, offset: offset)
            try page(users)
            if users.count < 1000 { return }
            offset += users.count
        }
    }

    public func user(id: UUID, by initiator: Initiator) async throws -> DirectoryUser {
        try initiator.require(.read)
        guard let user = try await storage.user(id: id) else { throw RosterError.notFound("there is no user \(id.uuidString.lowercased())") }
        return user
    }

    public func events(type: String?, limit: Int = 1000, by initiator: Initiator) async throws -> [InsightsEvent] {
        try initiator.require(.read)
        return try await storage.events(type: type, limit: limit)
    }

    public func importJobs(limit: Int = 100, by initiator: Initiator) async throws -> [ImportJob] {
        try initiator.require(.read)
        return try await storage.jobs(limit: limit)
    }
}
