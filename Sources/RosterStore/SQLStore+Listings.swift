import Foundation
import RosterCore
import SQLKit

extension SQLStore: ListingRepository {
    public func listingState(applicationId: UUID) async throws -> (listedAt: Date, stale: Bool)? {
        try await read { db in
            try await db.raw(
                "SELECT listed_at, stale FROM remote_listings WHERE application_id = \(bind: applicationId.text)"
            ).first().map { (try $0.date("listed_at"), try $0.int("stale") != 0) }
        }
    }

    public func storeListedUsers(_ users: [ListedUser], applicationId: UUID, generation: UUID, from position: Int)
        async throws
    {
        let direct = self.direct
        try await sqlTransaction { db in
            _ = try await insertRows(
                """
                INSERT INTO remote_listing_users (application_id, generation, position, remote_id, user_name, email,
                  display_name, status, matched_user_id, reason, search_text, user_name_key, email_key,
                  display_name_key,
                  family_name_key)
                """,
                users.enumerated().map { offset, listed in
                    let s = listed.status
                    return [
                        .text(applicationId.text), .text(generation.text), .int(position + offset),
                        .text(s.remoteId), .text(s.userName), .text(s.email), .text(s.displayName),
                        .text(s.status.rawValue), .text(s.matchedUserId?.text), .text(s.reason),
                        .text(listed.searchText), .text(s.userName?.lowercased()), .text(s.email?.lowercased()),
                        .text(s.displayName?.lowercased()), .text(listed.familyName?.lowercased()),
                    ]
                }, in: db, direct: direct)
        }
    }

    public func completeListing(applicationId: UUID, generation: UUID, listedAt: Date) async throws {
        try await sqlTransaction { db in
            try await db.raw(
                """
                INSERT INTO remote_listings (application_id, generation, listed_at, stale)
                VALUES (\(bind: applicationId.text), \(bind: generation.text), \(bind: listedAt.millis), 0)
                ON CONFLICT (application_id) DO UPDATE SET generation = \(bind: generation.text),
                  listed_at = \(bind: listedAt.millis), stale = 0
                """
            ).run()
            // Earlier reads, and reads that never completed, go.
            try await db.raw(
                """
                DELETE FROM remote_listing_users WHERE application_id = \(bind: applicationId.text)
                  AND generation <> \(bind: generation.text)
                """
            ).run()
        }
    }

    public func listingPage(applicationId: UUID, _ query: ListingQuery) async throws -> ListingPage? {
        let contains = dialect == .sqlite ? "instr" : "strpos"
        // A reader: the import screen's pages never wait for an import's writes.
        return try await read { db -> ListingPage? in
            guard
                let listing = try await db.raw(
                    """
                    SELECT generation, listed_at FROM remote_listings WHERE application_id =
                      \(bind: applicationId.text)
                    """
                ).first()
            else { return nil }
            var scope = SQLQueryString(
                """
                FROM remote_listing_users WHERE application_id = \(bind: applicationId.text) AND generation =
                  \(bind: try listing.string("generation"))
                """)
            if let search = query.search?.trimmingCharacters(in: .whitespaces).lowercased(), !search.isEmpty {
                scope.appendInterpolation(unsafeRaw: " AND \(contains)(search_text, ")
                scope.appendInterpolation(bind: search)
                scope.appendInterpolation(unsafeRaw: ") > 0")
            }
            var counts: [RemoteUserStatus.Status: Int] = [:]
            for row in try await db.raw("SELECT status, count(*) AS n \(scope) GROUP BY status").all() {
                if let status = RemoteUserStatus.Status(rawValue: try row.string("status")) {
                    counts[status] = try row.int("n")
                }
            }
            if let status = query.status {
                scope.appendInterpolation(unsafeRaw: " AND status = ")
                scope.appendInterpolation(bind: status.rawValue)
            }
            let direction = query.descending ? "DESC" : "ASC"
            let order =
                switch query.sort {
                case .listed: "position \(direction)"
                case .userName: "user_name_key \(direction), position"
                case .email: "email_key \(direction), position"
                case .displayName: "display_name_key \(direction), position"
                case .familyName: "family_name_key \(direction), position"
                }
            let rows = try await db.raw(
                """
                SELECT remote_id, user_name, email, display_name, status, matched_user_id, reason \(scope)
                ORDER BY \(unsafeRaw: order) LIMIT \(unsafeRaw: String(query.limit)) OFFSET
                  \(unsafeRaw: String(query.offset))
                """
            ).all()
            return ListingPage(
                listedAt: try listing.date("listed_at"),
                matching: query.status.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +), counts: counts,
                users: try rows.map { row in
                    RemoteUserStatus(
                        remoteId: try row.string("remote_id"), userName: try row.optionalString("user_name"),
                        email: try row.optionalString("email"), displayName: try row.optionalString("display_name"),
                        status: .init(rawValue: try row.string("status")) ?? .invalid,
                        matchedUserId: try row.optionalUUID("matched_user_id"),
                        reason: try row.optionalString("reason"))
                })
        }
    }

    public func markListingStale(applicationId: UUID) async throws {
        try await withDB { db in
            try await db.raw("UPDATE remote_listings SET stale = 1 WHERE application_id = \(bind: applicationId.text)")
                .run()
        }
    }

    public func updateListedStatuses(_ statuses: [RemoteUserStatus], applicationId: UUID) async throws {
        guard !statuses.isEmpty else { return }
        try await sqlTransaction { db in
            for s in statuses {
                try await db.raw(
                    """
                    UPDATE remote_listing_users SET status = \(bind: s.status.rawValue),
                      matched_user_id = \(bind: s.matchedUserId?.text), reason = \(bind: s.reason)
                    WHERE application_id = \(bind: applicationId.text) AND remote_id = \(bind: s.remoteId)
                      AND generation = (SELECT generation FROM remote_listings WHERE application_id =
                        \(bind: applicationId.text))
                    """
                ).run()
            }
        }
    }
}
