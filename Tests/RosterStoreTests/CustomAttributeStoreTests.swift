import Foundation
import RosterCore
import RosterStore
import Testing

@Suite struct CustomAttributeStoreTests {
    static let declared = CustomAttributes(
        [("badge", CustomAttribute.Kind.number), ("site", .string), ("contractor", .boolean), ("start", .date)].map {
            CustomAttribute(name: $0.0, type: $0.1, declaredAt: Date(timeIntervalSince1970: 1_800_000_000))
        })

    /// Users with every mix of values, some missing: what the filters are tried on.
    static func users() throws -> [DirectoryUser] {
        let sites = ["Paris", "paris nord", "Oslo", "O'Hare \"T1\"", "50%_off", "*star?"]
        return try (0..<60).map { i in
            var user = DirectoryUser(email: "u\(i)@example.com", username: "u\(i)")
            if i % 7 != 0 { try user.set("badge", to: String(Double(i) * 2.5 - 20), attributes: declared) }
            if i % 5 != 0 { try user.set("site", to: sites[i % sites.count], attributes: declared) }
            if i % 3 != 0 { try user.set("contractor", to: i % 2 == 0 ? "true" : "false", attributes: declared) }
            if i % 4 != 0 { try user.set("start", to: "2026-0\(1 + i % 9)-1\(i % 10)", attributes: declared) }
            return user
        }
    }

    static let filters = [
        "badge eq 30", "badge ne 30", "badge lt 0", "badge le -17.5", "badge gt 100", "badge ge 12.5", "badge pr",
        "site eq \"PARIS\"", "site ne paris", "site sw par", "site co NORD", "site co %_", "site sw *st",
        "site co \"T1",
        "site lt p", "site pr", "contractor eq true", "contractor ne true", "contractor eq false", "contractor pr",
        "start lt 2026-05-01", "start ge 2026-03-13", "start eq 2026-09-18", "start ne 2026-01-10", "start pr",
    ]

    @Test func everyFilterFindsInTheDatabaseWhatItMatchesInMemory() async throws {
        try await withStore { store in
            for attribute in Self.declared.all { try await store.declare(attribute) }
            let users = try Self.users()
            try await store.insertUsers(users)
            #expect(try await store.customAttributes() == Self.declared.all)
            var matchedSome = 0
            for text in Self.filters {
                let filter = try UserFilter(parsing: text, attributes: Self.declared)
                let expected = users.filter(filter.matches).map(\.email).sorted()
                let found = try await store.users(search: nil, filters: [filter], sort: .email, limit: 100, offset: 0)
                #expect(found.map(\.email).sorted() == expected, "\(text)")
                if !expected.isEmpty, expected.count < users.count { matchedSome += 1 }
            }
            #expect(matchedSome >= Self.filters.count - 2)  // the filters tell users apart, not all or none
            // Two filters, a search and keyset pages together.
            let two = try ["badge ge 0", "contractor eq true"].map {
                try UserFilter(parsing: $0, attributes: Self.declared)
            }
            let expected = users.filter { u in two.allSatisfy { $0.matches(u) } }.map(\.email).sorted()
            var paged: [String] = []
            var cursor: UserCursor?
            repeat {
                let page = try await store.users(search: "u", filters: two, sort: .email, limit: 4, cursor: cursor)
                paged += page.map(\.email)
                cursor = page.count == 4 ? UserCursor(after: page[3], sort: .email) : nil
            } while cursor != nil
            #expect(paged == expected)
        }
    }

    @Test func valuesSurviveAnUpdateAndGoWhenTheirAttributeIsRemoved() async throws {
        try await withStore { store in
            for attribute in Self.declared.all { try await store.declare(attribute) }
            let users = try Self.users()
            try await store.insertUsers(users)
            var first = try #require(try await store.user(id: users[1].id))
            #expect(first.custom == users[1].custom)
            try first.set("badge", to: "1e3", attributes: Self.declared)
            try await store.updateUser(first)
            #expect(try await store.user(id: first.id)?.custom["badge"] == .number(1000))
            let holding = users.filter { $0.custom["site"] != nil }.count
            #expect(try await store.usersHolding(attribute: "site") == holding)
            #expect(try await store.removeCustomAttribute(name: "site") == holding)
            #expect(try await store.usersHolding(attribute: "site") == 0)
            #expect(try await store.user(id: first.id)?.custom["site"] == nil)
            #expect(try await store.user(id: first.id)?.custom["badge"] == .number(1000))
            await #expect(throws: RosterError.self) {
                try await store.declare(CustomAttribute(name: "BADGE", type: .string, declaredAt: Date()))
            }
        }
    }
}
