import Foundation
import Synchronization
import Testing

@testable import RosterCore

@Suite struct CursorTests {
    @Test func aUserCursorSurvivesItsTokenAndAForgedTokenIsRefusedWithAReason() throws {
        let user = DirectoryUser(email: "Ann@Example.com", username: "ann")
        for sort in UserSort.allCases {
            let cursor = UserCursor(after: user, sort: sort, backwards: sort == .state)
            #expect(try UserCursor(token: cursor.token) == cursor)
        }
        #expect(try UserCursor(token: UserCursor.last(.email).token) == .last(.email))
        for forged in ["", "!!!", Data("email\u{0}>".utf8).base64EncodedString(), "ZW1haWwAPgBhAGI"] {
            #expect(throws: RosterError.self) { try UserCursor(token: forged) }
        }
    }

    @Test func idsAreWrittenInLowerCaseAndRandomOnesAreVersion4AndTimeOrderedOnesSortByTime() {
        let id = UUID.random()
        #expect(id.text == id.uuidString.lowercased())
        #expect(id.text.dropFirst(14).first == "4")
        let early = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_000))
        let late = UUID.timeOrdered(at: Date(timeIntervalSince1970: 2_000))
        #expect(early.text < late.text && early.text.dropFirst(14).first == "7")
        #expect(Set((0..<1_000).map { _ in UUID.timeOrdered() }).count == 1_000)
        // Many times the random pool's size, from several threads at once: no id twice.
        let drawn = Mutex<Set<UUID>>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let ids = (0..<5_000).map { _ in UUID.random() }
            drawn.withLock { $0.formUnion(ids) }
        }
        #expect(drawn.withLock { $0.count } == 40_000)
    }

    @Test func anInsightsCursorSurvivesItsToken() throws {
        let event = InsightsEvent(type: .userCreate, initiator: .system, resource: nil)
        let cursor = InsightsCursor(after: event)
        #expect(try InsightsCursor(token: cursor.token) == cursor)
        #expect(throws: RosterError.self) { try InsightsCursor(token: "12_not-an-id") }
    }
}

@Suite struct UserPagingTests {
    @Test func pagesByCursorVisitEveryUserOnceForwardAndBackInEveryOrder() async throws {
        try await Harness.run { h in
            for i in 0..<120 {
                try await h.add(
                    DirectoryUser(
                        email: "user\(i)@example.com", username: "u\(1000 - i)",
                        created: Date(timeIntervalSince1970: Double(i % 7))))
            }
            for sort in UserSort.allCases {
                var forward: [String] = []
                var page = try await h.domain.directory.usersPage(sort: sort, limit: 50, cursor: nil, by: h.admin)
                #expect(page.previous == nil)
                while true {
                    forward += page.users.map(\.email)
                    guard let next = page.next else { break }
                    page = try await h.domain.directory.usersPage(limit: 50, cursor: next, by: h.admin)
                }
                #expect(forward.count == 120 && Set(forward).count == 120, "\(sort)")
                var backward: [String] = []
                page = try await h.domain.directory.usersPage(sort: sort, limit: 50, cursor: .last(sort), by: h.admin)
                #expect(page.next == nil && page.users.count == 50)
                while true {
                    backward = page.users.map(\.email) + backward
                    guard let previous = page.previous else { break }
                    page = try await h.domain.directory.usersPage(limit: 50, cursor: previous, by: h.admin)
                }
                #expect(backward == forward, "\(sort)")
            }
        }
    }
}

@Suite struct UUIDTextTests {
    @Test func idsAreReadInEitherCaseAndAnythingElseIsRefused() {
        for _ in 0..<100 {
            let id = UUID.random()
            #expect(UUID(text: id.text) == id && UUID(text: id.uuidString) == id)
        }
        for bad in [
            "", "x", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg",
            "01234567-89ab-cdef-0123-456789abcdef0", "01234567-89ab-cdef-0123_456789abcdef",
        ] {
            #expect(UUID(text: bad) == nil, "\(bad)")
        }
    }
}
