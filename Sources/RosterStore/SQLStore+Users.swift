import Foundation
import RosterCore
import SQLKit

extension SQLStore: DirectoryRepository {
    static let userColumns = """
        id, email, username, firstname, lastname, middlename, displayname, addresses, job_title, department,
        phone_numbers, cost_center, employee_type, employee_identifier, organization, state, password_status,
        source_type, source_application_id, source_import_job_id, source_remote_id, created, updated
        """

    public func users(search: String?, sort: UserSort, limit: Int, offset: Int) async throws -> [DirectoryUser] {
        let dialect = self.dialect
        return try await withDB { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.userColumns) FROM users")
            if let search = search?.trimmingCharacters(in: .whitespaces).lowercased(), !search.isEmpty {
                // Starts-with on four indexed keys: quick at a million users, where "contains" is a full scan.
                let pattern = dialect.prefixPattern(search)
                let op = dialect.prefixOperator
                query.appendInterpolation(unsafeRaw: " WHERE email_key \(op) ")
                query.appendInterpolation(bind: pattern)
                for column in ["username_key", "displayname_key", "lastname_key"] {
                    query.appendInterpolation(unsafeRaw: " OR \(column) \(op) ")
                    query.appendInterpolation(bind: pattern)
                }
            }
            // Each order walks an index (migration 3), so the first pages come back at once at any size.
            let order =
                switch sort {
                case .email: "email_key"
                case .username: "username_key"
                case .created: "created DESC, email_key DESC"
                case .state: "state, email_key"
                }
            query.appendInterpolation(unsafeRaw: " ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)")
            return try await db.raw(query).all().map(Self.user)
        }
    }

    public func userCount() async throws -> Int {
        try await withDB { db in try await db.raw("SELECT count(*) AS n FROM users").first()?.int("n") ?? 0 }
    }

    public func user(id: UUID) async throws -> DirectoryUser? {
        try await withDB { db in
            try await db.raw("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE id = \(bind: id.text)").first()
                .map(Self.user)
        }
    }

    public func usersMatching(keys: [String]) async throws -> [DirectoryUser] {
        try await withDB { db in try await Self.usersMatching(keys: keys, in: db) }
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
                  \(bind: Date().millis) WHERE id = \(bind: userId.text)
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
        try await withDB { db in
            try await db.raw("SELECT * FROM user_tokens WHERE token_hash = \(bind: hash)").first().map { row in
                UserToken(
                    userId: try row.uuid("user_id"), purpose: try row.string("purpose"),
                    expires: try row.date("expires"),
                    used: try row.optionalDate("used"))
            }
        }
    }

    public func redeemUserToken(hash: String, passwordHash: String, now: Date) async throws -> Bool {
        try await transaction { db in
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
                  \(bind: now.millis)
                WHERE id = \(bind: try row.string("user_id"))
                """
            ).run()
            return true
        }
    }

    public func updateUser(_ u: DirectoryUser) async throws {
        try await withDB { db in
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
                    \(bind: Date().millis),
                  displayname_key = \(bind: u.displayname?.lowercased()), lastname_key =
                    \(bind: u.lastname?.lowercased())
                WHERE id = \(bind: u.id.text)
                """
            ).run()
        }
    }

    /// Inserts the user unless its email, username or remote identity is taken; true when inserted.
    static func insertIfNew(_ u: DirectoryUser, in db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.raw(
            """
            INSERT INTO users (\(unsafeRaw: userColumns), email_key, username_key, displayname_key, lastname_key) VALUES
              (
              \(bind: u.id.text), \(bind: u.email), \(bind: u.username), \(bind: u.firstname), \(bind: u.lastname),
              \(bind: u.middlename), \(bind: u.displayname), \(bind: try jsonText(u.addresses)), \(bind: u.jobTitle),
              \(bind: u.department), \(bind: try jsonText(u.phoneNumbers)), \(bind: u.costCenter),
                \(bind: u.employeeType),
              \(bind: u.employeeIdentifier), \(bind: u.organization), \(bind: u.state.rawValue),
                \(bind: u.passwordStatus.rawValue),
              \(bind: u.source.type.rawValue), \(bind: u.source.applicationId?.text),
                \(bind: u.source.importJobId?.text),
              \(bind: u.source.remoteId), \(bind: u.created.millis), \(bind: u.updated.millis),
              \(bind: u.email.lowercased()), \(bind: u.username.lowercased()), \(bind: u.displayname?.lowercased()),
              \(bind: u.lastname?.lowercased()))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    static func user(_ row: any SQLRow) throws -> DirectoryUser {
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
            created: try row.date("created"), updated: try row.date("updated"))
    }
}

extension SQLStore {
    /// Inserts many users in one transaction, skipping any that exist (benchmarks seed with it).
    public func insertUsers(_ users: [DirectoryUser]) async throws {
        try await transaction { db in
            for user in users { _ = try await Self.insertIfNew(user, in: db) }
        }
    }
}
