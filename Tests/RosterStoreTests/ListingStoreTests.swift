import Foundation
import RosterCore
import Testing

@testable import RosterStore

@Suite struct ListingStoreTests {
    func listed(_ n: Int, status: RemoteUserStatus.Status = .new) -> ListedUser {
        ListedUser(
            status: RemoteUserStatus(
                remoteId: "r\(n)", userName: "user\(n)", email: "user\(n)@example.com", displayName: "Person \(n)",
                status: status, matchedUserId: nil, reason: nil),
            familyName: "Family" + String(format: "%04d", 1000 - n), searchText: "user\(n)\nperson \(n)")
    }

    @Test func aReadBecomesTheListingOnlyWhenCompleteAndPagesSearchSortAndCountOnIt() async throws {
        try await withStore { store in
            // setup
            let application = Application(name: "App")
            try await store.createApplication(application)
            let first = UUID.random(), second = UUID.random()
            try await store.storeListedUsers(
                (0..<300).map { listed($0, status: $0 % 3 == 0 ? .exists : .new) }, applicationId: application.id,
                generation: first, from: 0)
            #expect(try await store.listingPage(applicationId: application.id, .init()) == nil, "not complete yet")
            try await store.completeListing(applicationId: application.id, generation: first, listedAt: Date())
            // a second read in progress is not seen
            try await store.storeListedUsers(
                [listed(999)], applicationId: application.id, generation: second, from: 0)
            // MUT
            let page = try #require(try await store.listingPage(applicationId: application.id, .init(limit: 10)))
            let deep = try #require(
                try await store.listingPage(applicationId: application.id, .init(limit: 10, offset: 290)))
            let existing = try #require(
                try await store.listingPage(applicationId: application.id, .init(status: .exists, limit: 1000)))
            let searched = try #require(
                try await store.listingPage(applicationId: application.id, .init(search: "USER29", limit: 1000)))
            let byFamily = try #require(
                try await store.listingPage(applicationId: application.id, .init(sort: .familyName, limit: 1)))
            // validate
            #expect(page.users.map(\.remoteId) == (0..<10).map { "r\($0)" })
            #expect(page.matching == 300 && page.counts[.exists] == 100 && page.counts[.new] == 200)
            #expect(deep.users.first?.remoteId == "r290")
            #expect(existing.matching == 100 && existing.users.allSatisfy { $0.status == .exists })
            #expect(searched.matching == 11)  // user29 and user290…user299
            #expect(byFamily.users.first?.remoteId == "r299")
            // completing the second read replaces the first
            try await store.completeListing(applicationId: application.id, generation: second, listedAt: Date())
            let replaced = try #require(try await store.listingPage(applicationId: application.id, .init()))
            #expect(replaced.users.map(\.remoteId) == ["r999"])
            try await store.markListingStale(applicationId: application.id)
            #expect(try await store.listingState(applicationId: application.id)?.stale == true)
        }
    }
}

@Suite struct UserPagesStoreTests {
    @Test func cursorPagesWalkEveryOrderForwardAndBackOnTheDatabase() async throws {
        try await withStore { store in
            try await store.insertUsers(
                (0..<130).map { i in
                    DirectoryUser(
                        email: "User\(i)@Example.com", username: "u\(1000 - i)",
                        state: i % 3 == 0 ? .suspended : .active, created: Date(timeIntervalSince1970: Double(i % 9)))
                })
            for sort in UserSort.allCases {
                let all = try await store.users(search: nil, sort: sort, limit: 1000, offset: 0).map(\.email)
                var forward: [String] = []
                var cursor: UserCursor?
                repeat {
                    let page = try await store.users(search: nil, sort: sort, limit: 40, cursor: cursor)
                    forward += page.map(\.email)
                    cursor = page.count == 40 ? UserCursor(after: page.last!, sort: sort) : nil
                } while cursor != nil
                #expect(forward == all, "\(sort)")
                var backward: [String] = []
                cursor = .last(sort)
                repeat {
                    let page = try await store.users(search: nil, sort: sort, limit: 40, cursor: cursor)
                    backward = page.reversed().map(\.email) + backward
                    cursor = page.count == 40 ? UserCursor(after: page.last!, sort: sort, backwards: true) : nil
                } while cursor != nil
                #expect(backward == all, "\(sort)")
                let searched = try await store.users(search: "user1", sort: sort, limit: 5, cursor: nil)
                #expect(searched.allSatisfy { $0.email.lowercased().hasPrefix("user1") })
            }
        }
    }
}
