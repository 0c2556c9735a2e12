import Foundation
import RosterCore
import SQLKit

extension SQLStore: CustomAttributeRepository {
    public func customAttributes() async throws -> [CustomAttribute] {
        try await read { db in
            try await db.raw("SELECT * FROM custom_attributes ORDER BY name_key").all().map { row in
                CustomAttribute(
                    name: try row.string("name"),
                    type: CustomAttribute.Kind(rawValue: try row.string("type")) ?? .string,
                    description: try row.optionalString("description"),
                    declaredBy: try row.optionalString("declared_by"), declaredAt: try row.date("declared_at"))
            }
        }
    }

    public func declare(_ attribute: CustomAttribute) async throws {
        do {
            try await withDB { db in
                try await db.raw(
                    """
                    INSERT INTO custom_attributes (name_key, name, type, description, declared_by, declared_at)
                    VALUES (\(bind: attribute.name.lowercased()), \(bind: attribute.name),
                      \(bind: attribute.type.rawValue), \(bind: attribute.description), \(bind: attribute.declaredBy),
                      \(bind: attribute.declaredAt.millis))
                    """
                ).run()
            }
        } catch  where isUniqueViolation(error) {
            throw RosterError.conflict("a custom attribute named \(attribute.name) is declared already")
        }
    }

    public func usersHolding(attribute name: String) async throws -> Int {
        let held = Self.customValue(name, dialect: dialect)
        return try await read { db in
            try await db.raw("SELECT count(*) AS n FROM users WHERE \(unsafeRaw: held) IS NOT NULL").first()?.int("n")
                ?? 0
        }
    }

    public func removeCustomAttribute(name: String) async throws -> Int {
        let held = Self.customValue(name, dialect: dialect)
        let removed =
            dialect == .sqlite
            ? "json_remove(custom, '$.\(name)')" : "(custom::jsonb - '\(name)')::text"
        return try await sqlTransaction { db in
            try await db.raw("DELETE FROM custom_attributes WHERE name_key = \(bind: name.lowercased())").run()
            return try await db.raw(
                """
                UPDATE users SET custom = \(unsafeRaw: removed), version = version + 1
                WHERE \(unsafeRaw: held) IS NOT NULL RETURNING id
                """
            ).all().count
        }
    }

    /// The SQL of a user's value of the attribute: SQLite's numbers and 1/0, PostgreSQL's text.
    /// `name` is a declared name (letters, digits, `_`), safe inside the SQL text.
    static func customValue(_ name: String, dialect: Dialect) -> String {
        dialect == .sqlite ? "json_extract(custom, '$.\(name)')" : "(custom::jsonb ->> '\(name)')"
    }

    /// ` AND condition` for one filter of the users list.
    static func append(_ filter: UserFilter, dialect: Dialect, to query: inout SQLQueryString) {
        var value = customValue(filter.attribute.name, dialect: dialect)
        guard let operand = filter.value else {
            query.appendInterpolation(unsafeRaw: " AND \(value) IS NOT NULL")
            return
        }
        let comparison: String =
            switch filter.op {
            case .eq: "="
            case .ne: "<>"
            case .lt: "<"
            case .le: "<="
            case .gt: ">"
            case .ge: ">="
            case .sw, .co: dialect.prefixOperator
            case .pr: "IS NOT"
            }
        let bound: any Encodable & Sendable
        switch operand {
        case .number(let number):
            if dialect == .postgres { value = "(\(value))::double precision" }
            bound = number
        case .boolean(let flag):
            bound = dialect == .sqlite ? (flag ? 1 : 0) as Int : (flag ? "true" : "false")
        case .text(let text):
            value = "lower(\(value))"
            let lowered = text.lowercased()
            switch filter.op {
            case .sw: bound = dialect.prefixPattern(lowered)
            case .co: bound = (dialect == .sqlite ? "*" : "%") + dialect.prefixPattern(lowered)
            default: bound = lowered
            }
        }
        // A user without a value differs from every value.
        let absent = filter.op == .ne ? " OR \(customValue(filter.attribute.name, dialect: dialect)) IS NULL" : ""
        query.appendInterpolation(unsafeRaw: " AND (\(value) \(comparison) ")
        query.appendInterpolation(bind: bound)
        query.appendInterpolation(unsafeRaw: "\(absent))")
    }
}
