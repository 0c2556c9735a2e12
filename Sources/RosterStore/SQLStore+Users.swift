import Foundation
import RosterCore
import SQLKit

extension SQLStore: DirectoryRepository {
    static let userColumns = """
        id, email, username, firstname, lastname, middlename, displayname, addresses, job_title, department,
        phone_numbers, cost_center, employee_type, employee_identifier, organization, state, password_status,
        source_type, source_application_id, source_import_job_id, source_remote_id, created, updated, external_id,
        scim_deleted, custom, version, profile
        """

    public func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, offset: Int) async throws
        -> [DirectoryUser]
    {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE ")
        Self.appendSearch(search, dialect: dialect, to: &query)
        for filter in filters { Self.append(filter, dialect: dialect, to: &query) }
        // Each order walks an index (migration 3), so the first pages come back at once at any size.
        let order = Self.order(sort, backwards: false)
        query.appendInterpolation(unsafeRaw: " ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)")
        return try await rows(query).map(Self.user)
    }

    public func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, cursor: UserCursor?)
        async throws -> [DirectoryUser]
    {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE ")
        Self.appendSearch(search, dialect: dialect, to: &query)
        for filter in filters { Self.append(filter, dialect: dialect, to: &query) }
        let backwards = cursor?.backwards ?? false
        if let cursor, !cursor.key.isEmpty {
            // A row comparison on the order's columns: the index finds the boundary row directly.
            let columns = sort.keyColumns
            let newestFirst = sort == .created
            let op = newestFirst != backwards ? "<" : ">"
            query.appendInterpolation(unsafeRaw: " AND (\(columns.joined(separator: ", "))) \(op) (")
            for (index, value) in cursor.key.enumerated() {
                if index > 0 { query.appendInterpolation(unsafeRaw: ", ") }
                if columns[index] == "created" {
                    query.appendInterpolation(bind: Int64(value) ?? 0)
                } else {
                    query.appendInterpolation(bind: value)
                }
            }
            query.appendInterpolation(unsafeRaw: ")")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY \(Self.order(sort, backwards: backwards)) LIMIT \(limit)")
        return try await rows(query).map(Self.user)
    }

    /// `TRUE` or the search condition: starts-with on four indexed keys, quick at a million users
    /// where "contains" is a full scan.
    static func appendSearch(_ search: String?, dialect: Dialect, to query: inout SQLQueryString) {
        guard let search = search?.trimmingCharacters(in: .whitespaces).lowercased(), !search.isEmpty else {
            query.appendInterpolation(unsafeRaw: "1 = 1")
            return
        }
        let pattern = dialect.prefixPattern(search)
        let op = dialect.prefixOperator
        query.appendInterpolation(unsafeRaw: "(email_key \(op) ")
        query.appendInterpolation(bind: pattern)
        for column in ["username_key", "displayname_key", "lastname_key"] {
            query.appendInterpolation(unsafeRaw: " OR \(column) \(op) ")
            query.appendInterpolation(bind: pattern)
        }
        query.appendInterpolation(unsafeRaw: ")")
    }

    /// The order's columns, or their reverse for a page read backwards.
    static func order(_ sort: UserSort, backwards: Bool) -> String {
        let descending = (sort == .created) != backwards
        return sort.keyColumns.map { $0 + (descending ? " DESC" : "") }.joined(separator: ", ")
    }

    public func userCount() async throws -> Int {
        try await read { db in try await db.raw("SELECT count(*) AS n FROM users").first()?.int("n") ?? 0 }
    }

    public func user(id: UUID) async throws -> DirectoryUser? {
        try await rows("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id.text)").first
            .map(Self.user)
    }

    public func importedUser(applicationId: UUID, remoteId: String) async throws -> DirectoryUser? {
        try await rows(
            """
            SELECT \(unsafeRaw: Self.userColumns) FROM users
            WHERE source_application_id = \(bind: applicationId.text) AND source_remote_id = \(bind: remoteId)
            """
        ).first.map(Self.user)
    }

    public func users(ids: [UUID]) async throws -> [DirectoryUser] {
        var users: [DirectoryUser] = []
        for chunk in Array(Set(ids)).chunks(of: 500) {
            users += try await rows(
                "SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id IN (\(binds: chunk.map(\.text)))"
            ).map(Self.user)
        }
        return users
    }

    public func lockUser(id: UUID) async throws -> DirectoryUser? {
        try await withDB { [dialect] db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.userColumns) FROM users
                WHERE id = \(bind: id.text)\(unsafeRaw: dialect.forUpdate)
                """
            ).first().map(Self.user)
        }
    }

    public func usersMatching(keys: [String]) async throws -> [DirectoryUser] {
        try await read { db in try await Self.usersMatching(keys: keys, in: db) }
    }

    static func usersMatching(keys: [String], in db: any SQLDatabase) async throws -> [DirectoryUser] {
        let keys = Array(Set(keys.map { $0.lowercased() }))
        guard !keys.isEmpty else { return [] }
        return try await db.raw(
            """
            SELECT \(unsafeRaw: userColumns) FROM users WHERE email_key IN (\(binds: keys)) OR username_key IN
              (\(binds: keys))
            """
        ).all().map(user)
    }

    public func setPassword(userId: UUID, hash: String) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE users SET password_hash = \(bind: hash), password_status = 'set', updated =
                  \(bind: Date().millis), version = version + 1 WHERE id = \(bind: userId.text)
                """
            ).run()
        }
    }

    public func createUserToken(hash: String, userId: UUID, purpose: String, expires: Date) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO user_tokens (token_hash, user_id, purpose, expires, created)
                VALUES (\(bind: hash), \(bind: userId.text), \(bind: purpose), \(bind: expires.millis),
                  \(bind: Date().millis))
                """
            ).run()
        }
    }

    public func invalidateUserTokens(userId: UUID, now: Date) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE user_tokens SET used = \(bind: now.millis) WHERE user_id = \(bind: userId.text) AND used IS "
                    + "NULL"
            ).run()
        }
    }

    public func userToken(hash: String) async throws -> UserToken? {
        try await read { db in
            try await db.raw("SELECT * FROM user_tokens WHERE token_hash = \(bind: hash)").first().map { row in
                UserToken(
                    userId: try row.uuid("user_id"), purpose: try row.string("purpose"),
                    expires: try row.date("expires"),
                    used: try row.optionalDate("used"))
            }
        }
    }

    public func redeemUserToken(hash: String, passwordHash: String, now: Date) async throws -> Bool {
        try await sqlTransaction { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE user_tokens SET used = \(bind: now.millis)
                    WHERE token_hash = \(bind: hash) AND used IS NULL AND expires > \(bind: now.millis) RETURNING
                      user_id
                    """
                ).first()
            else { return false }
            try await db.raw(
                """
                UPDATE users SET password_hash = \(bind: passwordHash), password_status = 'set', updated =
                  \(bind: now.millis), version = version + 1
                WHERE id = \(bind: try row.string("user_id"))
                """
            ).run()
            return true
        }
    }

    /// Throws ``RosterError/conflict(_:)`` when the new email or username is another user's, and
    /// ``RosterError/versionConflict(_:)`` when the user's version is no longer `u.version`.
    @discardableResult
    public func updateUser(_ u: DirectoryUser) async throws -> DirectoryUser {
        let now = Date()
        let version: Int?
        do {
            // A savepoint of its own: a refused write leaves the caller's transaction usable.
            version = try await sqlTransaction { db in
                try await db.raw(
                    """
                    UPDATE users SET email = \(bind: u.email), email_key = \(bind: u.email.lowercased()), username =
                      \(bind: u.username),
                      username_key = \(bind: u.username.lowercased()), firstname = \(bind: u.firstname), lastname =
                        \(bind: u.lastname),
                      middlename = \(bind: u.middlename), displayname = \(bind: u.displayname), addresses =
                        \(bind: try jsonText(u.addresses)),
                      job_title = \(bind: u.jobTitle), department = \(bind: u.department), phone_numbers =
                        \(bind: try jsonText(u.phoneNumbers)),
                      cost_center = \(bind: u.costCenter), employee_type = \(bind: u.employeeType),
                      employee_identifier = \(bind: u.employeeIdentifier), organization = \(bind: u.organization),
                      state = \(bind: u.state.rawValue), password_status = \(bind: u.passwordStatus.rawValue), updated =
                        \(bind: now.millis),
                      displayname_key = \(bind: u.displayname?.lowercased()), lastname_key =
                        \(bind: u.lastname?.lowercased()), external_id = \(bind: u.externalId),
                      scim_deleted = \(bind: u.scimDeleted?.millis), custom = \(bind: try jsonText(u.custom)),
                      profile = \(bind: try Self.profileText(u.profile)), version = version + 1
                    WHERE id = \(bind: u.id.text) AND version = \(bind: u.version) RETURNING version
                    """
                ).first()?.int("version")
            }
        } catch  where isUniqueViolation(error) {
            throw RosterError.conflict("the email \(u.email) or the username \(u.username) belongs to another user")
        }
        guard let version else {
            guard let stored = try await user(id: u.id) else {
                throw RosterError.notFound("there is no user \(u.id.text): it was deleted meanwhile")
            }
            throw RosterError.versionConflict(
                "\(stored.email) was changed meanwhile (version \(stored.version), not \(u.version)): nothing was "
                    + "saved; read it again and repeat the change")
        }
        var saved = u
        saved.version = version
        saved.updated = now
        return saved
    }

    /// Inserts the user unless its email, username or remote identity is taken; true when inserted.
    static func insertIfNew(_ u: DirectoryUser, in db: any SQLDatabase) async throws -> Bool {
        try await !insertNew([u], in: db).isEmpty
    }

    /// Inserts the users whose email, username and remote identity are free, many per statement;
    /// returns the ids of those inserted.
    static func insertNew(_ users: [DirectoryUser], in db: any SQLDatabase) async throws -> Set<String> {
        Set(try await insertRows(userInsert, try users.map(rowValues), returning: "id", in: db))
    }

    static let userInsert = "INSERT INTO users (\(userColumns), email_key, username_key, displayname_key, lastname_key)"

    /// A user's values in the order of `userColumns` and the search keys.
    static func rowValues(_ u: DirectoryUser) throws -> [SQLCell] {
        [
            .text(u.id.text), .text(u.email), .text(u.username), .text(u.firstname), .text(u.lastname),
            .text(u.middlename), .text(u.displayname), .text(u.addressesJSONText), .text(u.jobTitle),
            .text(u.department), .text(u.phoneNumbersJSONText), .text(u.costCenter), .text(u.employeeType),
            .text(u.employeeIdentifier), .text(u.organization), .text(u.state.rawValue),
            .text(u.passwordStatus.rawValue), .text(u.source.type.rawValue), .text(u.source.applicationId?.text),
            .text(u.source.importJobId?.text), .text(u.source.remoteId), .int(u.created.millis),
            .int(u.updated.millis), .text(u.externalId), .int(u.scimDeleted?.millis),
            .text(try jsonText(u.custom)), .int(Int64(u.version)), .text(try Self.profileText(u.profile)),
            .text(u.email.lowercased()),
            .text(u.username.lowercased()),
            .text(u.displayname?.lowercased()), .text(u.lastname?.lowercased()),
        ]
    }

    static func user(_ row: any SQLRow) throws -> DirectoryUser { try user(SQLKitColumns(row: row)) }

    static func user(_ row: any ColumnValues) throws -> DirectoryUser {
        DirectoryUser(
            id: try row.uuid("id"), email: try row.string("email"), username: try row.string("username"),
            firstname: try row.optionalString("firstname"), lastname: try row.optionalString("lastname"),
            middlename: try row.optionalString("middlename"), displayname: try row.optionalString("displayname"),
            addresses: try row.json("addresses", as: [DirectoryUser.Address].self),
            jobTitle: try row.optionalString("job_title"), department: try row.optionalString("department"),
            phoneNumbers: try row.json("phone_numbers", as: [DirectoryUser.PhoneNumber].self),
            costCenter: try row.optionalString("cost_center"), employeeType: try row.optionalString("employee_type"),
            employeeIdentifier: try row.optionalString("employee_identifier"),
            organization: try row.optionalString("organization"),
            state: DirectoryUser.State(rawValue: try row.string("state")) ?? .active,
            passwordStatus: DirectoryUser.PasswordStatus(rawValue: try row.string("password_status")) ?? .pending,
            source: .init(
                type: .init(rawValue: try row.string("source_type")) ?? .manual,
                applicationId: try row.optionalUUID("source_application_id"),
                importJobId: try row.optionalUUID("source_import_job_id"),
                remoteId: try row.optionalString("source_remote_id")),
            created: try row.date("created"), updated: try row.date("updated"),
            externalId: try row.optionalString("external_id"), scimDeleted: try row.optionalDate("scim_deleted"),
            custom: try customValues(row), version: try row.int("version"), profile: try profile(row))
    }

    /// Most users have no profile: their `{}` is not decoded.
    private static func profile(_ row: any ColumnValues) throws -> UserProfile {
        let text = try row.string("profile")
        return text == "{}" ? UserProfile() : try JSONDecoder().decode(UserProfile.self, from: Data(text.utf8))
    }

    static func profileText(_ profile: UserProfile) throws -> String {
        profile.isEmpty ? "{}" : profile.jsonText
    }

    /// Most users hold no custom value: their `{}` is not decoded.
    private static func customValues(_ row: any ColumnValues) throws -> [String: CustomValue] {
        let text = try row.string("custom")
        return text == "{}" ? [:] : try JSONDecoder().decode([String: CustomValue].self, from: Data(text.utf8))
    }
}

extension SQLStore {
    /// Inserts many users in one transaction, skipping any that exist (benchmarks seed with it).
    public func insertUsers(_ users: [DirectoryUser]) async throws {
        try await sqlTransaction { db in _ = try await Self.insertNew(users, in: db) }
    }

    /// Inserts many events in one transaction (benchmarks seed with it).
    public func insertEvents(_ events: [InsightsEvent]) async throws {
        try await sqlTransaction { db in try await Self.insert(events, in: db) }
    }
}
