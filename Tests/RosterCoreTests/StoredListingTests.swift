import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct StoredListingTests {
    func listings(_ h: Harness) -> Int { h.provider.requests.filter { $0.hasPrefix("GET /Users") }.count }

    func view(_ h: Harness, _ query: ListingQuery = .init(), refresh: Bool = false) async throws -> ListingPage {
        try await h.domain.remoteUsers.storedPage(application: "App", query, refresh: refresh, by: h.admin)
    }

    @Test func pageViewsStatusesSearchAndSortAreAnsweredFromTheStoredListingWithoutReadingTheApplicationAgain()
        async throws
    {
        // setup
        try await Harness.run { h in
            try await h.application()
            for i in 1...120 { _ = h.provider.addUser("user\(i)", email: "user\(i)@example.com") }
            _ = h.provider.addUser("nomail", email: nil)
            // MUT
            let first = try await view(h)
            let reads = listings(h)
            let second = try await view(h, .init(limit: 50, offset: 50))
            let searched = try await view(h, .init(search: "USER11"))
            let invalid = try await view(h, .init(status: .invalid))
            let sorted = try await view(h, .init(sort: .userName, descending: true, limit: 1))
            // validate
            #expect(listings(h) == reads, "nothing was read again")
            #expect(first.matching == 121 && first.counts[.new] == 120 && first.counts[.invalid] == 1)
            #expect(second.users.first?.userName == "user51")
            #expect(searched.matching == 11)  // user11 and user110…user119
            #expect(invalid.users.map(\.userName) == ["nomail"])
            #expect(sorted.users.first?.userName == "user99")
        }
    }

    @Test func refreshReadsTheApplicationAgainAndShowsUsersItGainedAndLost() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            let ids = (1...10).map { h.provider.addUser("user\($0)", email: "user\($0)@example.com") }
            #expect(try await view(h).matching == 10)
            h.provider.state.withLock { state in
                for id in ids.prefix(4) { state.users[id] = nil }
                state.userOrder.removeAll { ids.prefix(4).contains($0) }
            }
            for i in 11...15 { _ = h.provider.addUser("user\(i)", email: "user\(i)@example.com") }
            // MUT
            let cached = try await view(h)
            let refreshed = try await view(h, refresh: true)
            // validate
            #expect(cached.matching == 10, "without refresh the stored listing answers")
            #expect(refreshed.matching == 11 && refreshed.listedAt >= cached.listedAt)
            #expect(Set(refreshed.users.compactMap(\.userName)) == Set((5...15).map { "user\($0)" }))
        }
    }

    @Test func aUserImportedOrCreatedSinceTheReadShowsAsAlreadyInTheDirectory() async throws {
        // setup
        try await Harness.run { h in
            try await h.application()
            let imported = h.provider.addUser("user1", email: "user1@example.com")
            for i in 2...5 { _ = h.provider.addUser("user\(i)", email: "user\(i)@example.com") }
            #expect(try await view(h).counts[.new] == 5)
            // MUT: one imported, one created in the directory by hand
            _ = try await h.domain.imports.start(application: "App", selection: .ids([imported]), by: h.admin)
            let readsBefore = listings(h)
            let afterImport = try await view(h)
            try await h.add(DirectoryUser(email: "user2@example.com", username: "user2"))
            let afterCreate = try await view(h)
            // validate
            #expect(listings(h) > readsBefore, "an import makes the next view read the application again")
            #expect(afterImport.counts[.exists] == 1 && afterImport.counts[.new] == 4)
            let user2 = afterCreate.users.first { $0.userName == "user2" }
            #expect(user2?.status == .exists, "the page's statuses are checked against the directory as it is now")
        }
    }

    @Test func aListingOlderThanItsLifetimeIsReadAgain() async throws {
        // setup
        try await Harness.run(listingLifetime: 0) { h in
            try await h.application()
            _ = h.provider.addUser("user1", email: "user1@example.com")
            _ = try await view(h)
            let reads = listings(h)
            try await Task.sleep(for: .milliseconds(5))
            // MUT
            _ = try await view(h)
            // validate
            #expect(listings(h) > reads)
        }
    }

    @Test func aLimitOutsideOneToAThousandIsRefusedWithAReason() async throws {
        try await Harness.run { h in
            try await h.application()
            await #expect(throws: RosterError.self) { try await view(h, .init(limit: 1_001)) }
            await #expect(throws: RosterError.self) { try await view(h, .init(limit: 0)) }
        }
    }
}
