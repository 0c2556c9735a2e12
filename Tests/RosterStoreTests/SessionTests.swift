import Foundation
import RosterCore
import Testing

@testable import RosterStore

/// A hasher that needs no bcrypt: the store and the rules are under test here.
struct PlainHasher: PasswordHasher {
    func hash(_ password: String) -> String { "plain:" + password }
    func verify(_ password: String, hash: String) -> Bool { hash == "plain:" + password }
}

@Suite struct SessionTests {
    @Test func signInCreatesASessionThatAnotherStoreInstanceFindsAndSignOutEnds() async throws {
        try await withStore { store in
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            let admin = Administrator(email: "Ann@Example.com", role: .manager, passwordHash: "plain:secret password")
            try await store.createAdministrator(admin)
            let signedIn = try await sessions.signIn(
                email: "ann@example.com", password: "secret password", clientIp: "10.0.0.1")
            let found = try #require(try await sessions.authenticate(token: signedIn.token, clientIp: nil))
            #expect(found.0.id == admin.id && found.0.role == .manager)
            #expect(found.1.csrfToken == signedIn.session.csrfToken)
            #expect(try await store.session(tokenHash: signedIn.token) == nil, "only the token's hash is stored")
            #expect(
                try await sessions.authenticate(
                    token: signedIn.token, clientIp: nil, now: Date().addingTimeInterval(13 * 3600)) == nil,
                "an idle session expires")
            let again = try await sessions.signIn(email: "ann@example.com", password: "secret password", clientIp: nil)
            try await sessions.signOut(token: again.token)
            #expect(try await sessions.authenticate(token: again.token, clientIp: nil) == nil)
        }
    }

    @Test func fiveFailuresInARowLockTheAccountEvenForTheRightPasswordUntilTheLockEnds() async throws {
        try await withStore { store in
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            try await store.createAdministrator(
                Administrator(email: "bob@example.com", role: .admin, passwordHash: "plain:right one"))
            let now = Date()
            for attempt in 1...5 {
                let error = await #expect(throws: RosterError.self) {
                    try await sessions.signIn(email: "bob@example.com", password: "wrong", clientIp: nil, now: now)
                }
                #expect(error?.description.contains(attempt < 5 ? "wrong" : "too many") == true)
            }
            await #expect(throws: RosterError.self) {
                try await sessions.signIn(
                    email: "bob@example.com", password: "right one", clientIp: nil, now: now.addingTimeInterval(60))
            }
            let later = try await sessions.signIn(
                email: "bob@example.com", password: "right one", clientIp: nil,
                now: now.addingTimeInterval(16 * 60))
            #expect(later.administrator.email == "bob@example.com")
            // Success clears the count: one more failure does not lock again.
            await #expect(throws: RosterError.self) {
                try await sessions.signIn(
                    email: "bob@example.com", password: "wrong", clientIp: nil, now: now.addingTimeInterval(17 * 60))
            }
            #expect(
                try await sessions.signIn(
                    email: "bob@example.com", password: "right one", clientIp: nil,
                    now: now.addingTimeInterval(17 * 60)
                ).administrator.role == .admin)
        }
    }

    @Test func usersSearchMatchesTheStartOfEmailUsernameDisplayNameOrLastNameWithWildcardsTakenLiterally() async throws
    {
        try await withStore { store in
            try await store.insertUsers([
                DirectoryUser(
                    email: "ann@example.com", username: "ann", lastname: "García", displayname: "Ann García"),
                DirectoryUser(
                    email: "bob@example.com", username: "b_o%b*", lastname: "Berg", displayname: "Robert Berg"),
            ])
            func emails(_ search: String) async throws -> [String] {
                try await store.users(search: search, sort: .email, limit: 10, offset: 0).map(\.email)
            }
            #expect(try await emails("ANN") == ["ann@example.com"])
            #expect(try await emails("garc") == ["ann@example.com"])
            #expect(try await emails("robert") == ["bob@example.com"])
            #expect(try await emails("b") == ["bob@example.com"])
            #expect(try await emails("b_o%") == ["bob@example.com"])
            #expect(try await emails("b%") == [])
            #expect(try await emails("b_o%b*") == ["bob@example.com"])
            #expect(try await emails("example") == [], "starts-with, not contains")
            #expect(try await store.userCount() == 2)
        }
    }
}
