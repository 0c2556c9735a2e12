import Foundation

/// Reading the directory and changing its users.
public struct DirectoryService: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let provisioning: ProvisioningScheduler

    /// The attributes an administrator may change by name (SPEC.md's Roster attribute names).
    public static let editableAttributes = [
        "firstname", "lastname", "middlename", "displayname", "jobTitle", "department",
        "costCenter", "employeeType", "employeeIdentifier", "organization",
    ]

    /// Changes attributes (empty text clears one) and pushes the change to the user's applications;
    /// nothing is saved when no value changes. With `version` (the one the caller read, as the
    /// portal's form and the API send it), nothing is saved when someone changed the user since:
    /// ``RosterError/versionConflict(_:)``.
    public func update(email: String, attributes: [String: String], version: Int? = nil, by initiator: Initiator)
        async throws -> DirectoryUser
    {
        try initiator.require(.change)
        let found = try await lookup.user(email: email)
        let declared = CustomAttributes(try await storage.customAttributes())
        return try await edit(found.id, version: version, event: .userUpdate, by: initiator) { user in
            for (name, value) in attributes {
                try user.set(name, to: value.isEmpty ? nil : value, attributes: declared)
            }
        }
    }

    /// Suspends or reactivates a user; suspension deprovisions it from its applications.
    public func setState(email: String, _ state: DirectoryUser.State, version: Int? = nil, by initiator: Initiator)
        async throws -> DirectoryUser
    {
        try initiator.require(.change)
        let found = try await lookup.user(email: email)
        return try await edit(
            found.id, version: version, event: state == .suspended ? .userSuspend : .userUpdate,
            by: initiator
        ) { user in user.state = state }
    }

    /// Reads the user locked, checks `version`, applies `change`, and saves the user with its event
    /// and its provisioning in one transaction; a change that changes nothing saves nothing.
    private func edit(
        _ id: UUID, version: Int?, event: InsightsEventType, by initiator: Initiator,
        change: @escaping @Sendable (inout DirectoryUser) throws -> Void
    ) async throws -> DirectoryUser {
        try await storage.transaction { tx in
            guard let current = try await tx.lockUser(id: id) else {
                throw RosterError.notFound("there is no user \(id.text): it was deleted meanwhile")
            }
            if let version, version != current.version {
                throw RosterError.versionConflict(
                    "\(current.email) was changed by someone else since you read it (version \(current.version), "
                        + "not \(version)): nothing was saved; read it again and repeat the change")
            }
            var user = current
            try change(&user)
            // Nothing to record or push when every value was already so.
            guard user != current else { return current }
            // The rules import and the SCIM service keep (lengths, control characters); a user kept
            // from before a rule existed can still be edited.
            if let failure = UserMapping.validate(user), UserMapping.validate(current) == nil {
                throw RosterError.invalid(failure.description)
            }
            let saved = try await tx.updateUser(user)
            try await tx.record(
                InsightsEvent(
                    type: event, initiator: initiator, resource: .init(type: "user", id: saved.id, name: saved.email)))
            try await provisioning.usersChanged([saved.id], by: initiator, in: tx)
            return saved
        }
    }

    public func find(email: String, by initiator: Initiator) async throws -> DirectoryUser {
        try initiator.require(.read)
        return try await lookup.user(email: email)
    }

    public func users(
        search: String? = nil, filters: [String] = [], sort: UserSort = .email, limit: Int = 100, offset: Int = 0,
        by initiator: Initiator
    ) async throws -> [DirectoryUser] {
        try initiator.require(.read)
        guard (1...10_000).contains(limit), (0...100_000_000).contains(offset) else {
            throw RosterError.invalid("limit must be 1 to 10000 and offset 0 to 100000000")
        }
        if let search { try RequestBudget.check(search, as: "the search") }
        return try await storage.users(
            search: search, filters: try await parse(filters), sort: sort, limit: limit, offset: offset)
    }

    /// Checks filters on custom attributes without reading users: an error says what is wrong with one.
    public func check(filters: [String], by initiator: Initiator) async throws {
        try initiator.require(.read)
        _ = try await parse(filters)
    }

    /// Filters on custom attributes (``UserFilter``), read against the declarations.
    private func parse(_ filters: [String]) async throws -> [UserFilter] {
        guard !filters.isEmpty else { return [] }
        try RequestBudget.check(count: filters.count, of: "conditions", limit: RequestBudget.maxConditions)
        for filter in filters { try RequestBudget.check(filter, as: "a condition") }
        let declared = CustomAttributes(try await storage.customAttributes())
        return try filters.map { try UserFilter(parsing: $0, attributes: declared) }
    }

    /// A page of the users list by cursor: the same cost at any depth. `cursor` nil is the first
    /// page; its `sort` wins over `sort`.
    public func usersPage(
        search: String? = nil, filters: [String] = [], sort: UserSort = .email, limit: Int = 100,
        cursor: UserCursor?, by initiator: Initiator
    ) async throws -> UserPage {
        try initiator.require(.read)
        guard (1...10_000).contains(limit) else { throw RosterError.invalid("limit must be 1 to 10000") }
        if let search { try RequestBudget.check(search, as: "the search") }
        let sort = cursor?.sort ?? sort
        // One row more than asked says whether there is a page beyond, without counting.
        var users = try await storage.users(
            // bounded: limit is read in 1...10_000 by every door
            search: search, filters: try await parse(filters), sort: sort, limit: limit + 1, cursor: cursor)
        let more = users.count > limit
        users = Array(users.prefix(limit))
        let backwards = cursor?.backwards ?? false
        if backwards { users.reverse() }
        let hasNext = backwards ? cursor?.key.isEmpty == false : more
        let hasPrevious = backwards ? more : cursor != nil
        return UserPage(
            users: users,
            next: hasNext ? users.last.map { UserCursor(after: $0, sort: sort) } : nil,
            previous: hasPrevious ? users.first.map { UserCursor(after: $0, sort: sort, backwards: true) } : nil)
    }

    public func userCount(by initiator: Initiator) async throws -> Int {
        try initiator.require(.read)
        return try await storage.userCount()
    }

    /// Where the user came from and the groups it is in, for the details page.
    public func origin(of user: DirectoryUser, by initiator: Initiator) async throws
        -> (application: Application?, job: ImportJob?, groups: [UserGroup])
    {
        try initiator.require(.read)
        var application: Application?
        var job: ImportJob?
        if let id = user.source.applicationId { application = try await storage.application(id: id) }
        if let id = user.source.importJobId { job = try await storage.job(id: id) }
        return (application, job, try await storage.groups(memberId: user.id))
    }

    /// Every user (meeting `filters`), a page at a time (for the command line's full listing).
    public func allUsers(filters: [String] = [], by initiator: Initiator, page: ([DirectoryUser]) throws -> Void)
        async throws
    {
        try initiator.require(.read)
        let filters = try await parse(filters)
        var cursor: UserCursor?
        while true {
            let users = try await storage.users(
                search: nil, filters: filters, sort: .email, limit: 1000, cursor: cursor)
            try page(users)
            guard users.count == 1000, let last = users.last else { return }
            cursor = UserCursor(after: last, sort: .email)
        }
    }

    /// The directory user the user's manager is: the one with the manager's id (as a SCIM client
    /// names it), else the one imported from the manager's account in the application the user came
    /// from (as an application names it). Nil when there is none.
    public func manager(of user: DirectoryUser, by initiator: Initiator) async throws -> DirectoryUser? {
        try initiator.require(.read)
        guard let value = user.profile.manager?.value, !value.isEmpty else { return nil }
        if let id = UUID(text: value), let manager = try await storage.user(id: id) { return manager }
        guard let application = user.source.applicationId else { return nil }
        return try await storage.importedUser(applicationId: application, remoteId: value)
    }

    public func user(id: UUID, by initiator: Initiator) async throws -> DirectoryUser {
        try initiator.require(.read)
        guard let user = try await storage.user(id: id) else {
            throw RosterError.notFound("there is no user \(id.text)")
        }
        return user
    }
}
