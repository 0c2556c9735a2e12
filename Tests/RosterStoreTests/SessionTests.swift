import Foundation
import RosterCore
import Testing

@testable import RosterStore

/// A hasher that needs no bcrypt: the store and the rules are under test here.
struct PlainHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "plain:" + password }
    func verify(_ password: String, hash: String) async throws -> Bool { hash == "plain:" + password }
}

/// bcrypt takes a while: the throttle must count before the hash.
struct SlowHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "plain:" + password }
    func verify(_ password: String, hash: String) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(50))
        return hash == "plain:" + password
    }
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
            let again = try await sessions.signIn(email: "ann@example.com", password: "secret password", clientIp: nil)
            try await sessions.signOut(token: again.token)
            #expect(try await sessions.authenticate(token: again.token, clientIp: nil) == nil)
        }
    }

    @Test func aSessionEndsAfterAnHourWithoutARequestAndAfterTwelveHoursHoweverBusy() async throws {
        try await withStore { store in
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            try await store.createAdministrator(
                Administrator(email: "ann@example.com", role: .manager, passwordHash: "plain:secret password"))
            let start = Date()
            func signIn() async throws -> String {
                try await sessions.signIn(
                    email: "ann@example.com", password: "secret password", clientIp: nil, now: start
                ).token
            }
            func alive(_ token: String, after seconds: TimeInterval) async throws -> Bool {
                try await sessions.authenticate(token: token, clientIp: nil, now: start.addingTimeInterval(seconds))
                    != nil
            }
            // Idle: a minute short of the hour it is alive; a minute past, it is over (and stays over).
            let idle = try await signIn()
            #expect(try await alive(idle, after: 3600 - 60))
            let quiet = try await signIn()
            #expect(try await !alive(quiet, after: 3600 + 60))
            #expect(try await !alive(quiet, after: 3600 - 60), "an ended session is gone, not paused")
            // Busy: a request every 50 minutes keeps it alive up to twelve hours from sign-in, never past.
            let busy = try await signIn()
            var at: TimeInterval = 0
            while at + 3000 < 12 * 3600 {
                at += 3000
                #expect(try await alive(busy, after: at), "a request at \(at) s")
            }
            #expect(try await !alive(busy, after: 12 * 3600 + 1))
        }
    }

    @Test func fiftyFailuresFromOneAddressLockThatAddressWhateverAccountsTheyTried() async throws {
        try await withStore { store in
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            try await store.createAdministrator(
                Administrator(email: "ann@example.com", role: .manager, passwordHash: "plain:secret password"))
            let now = Date()
            // Fifty accounts, one guess each (no account reaches its own limit of five): all checked.
            for index in 0..<sessions.maxAddressFailures {
                await #expect(throws: RosterError.unauthorized("the email or password is wrong")) {
                    _ = try await sessions.signIn(
                        email: "guess\(index)@example.com", password: "wrong", clientIp: "203.0.113.7", now: now)
                }
            }
            // The next, even the right password of a real account, is refused from that address only.
            await #expect(throws: RosterError.self) {
                _ = try await sessions.signIn(
                    email: "ann@example.com", password: "secret password", clientIp: "203.0.113.7", now: now)
            }
            do {
                _ = try await sessions.signIn(
                    email: "ann@example.com", password: "secret password", clientIp: "203.0.113.7", now: now)
            } catch let error as RosterError {
                #expect(error.description.contains("too many failed sign-ins for your address"))
            }
            _ = try await sessions.signIn(
                email: "ann@example.com", password: "secret password", clientIp: "198.51.100.1", now: now)
        }
    }

    @Test func afterFiveFailuresTheAccountIsLockedEvenForTheRightPasswordAndTheLockDoublesUpToFifteenMinutes()
        async throws
    {
        try await withStore { store in
            // setup
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            try await store.createAdministrator(
                Administrator(email: "bob@example.com", role: .admin, passwordHash: "plain:right one"))
            let now = Date()
            func attempt(_ password: String, at offset: TimeInterval) async throws -> String {
                do {
                    _ = try await sessions.signIn(
                        email: "bob@example.com", password: password, clientIp: "10.0.0.9",
                        now: now.addingTimeInterval(offset))
                    return "in"
                } catch let error as RosterError { return error.description }
            }
            // MUT, validate: five wrong passwords are checked; the sixth attempt is refused unchecked, for a minute
            for _ in 1...5 { #expect(try await attempt("wrong", at: 0).contains("wrong")) }
            #expect(try await attempt("right one", at: 1).contains("try again in 1 minute"))
            #expect(
                try await attempt("right one", at: 30).contains("too many"), "the lock holds for the right password too"
            )
            // the next failure after the lock locks for two minutes, then four…
            #expect(try await attempt("wrong", at: 62).contains("try again in 2 minutes"))
            #expect(try await attempt("wrong", at: 62 + 122).contains("try again in 4 minutes"))
            // a lock never lasts more than fifteen minutes, and after it (and the window) the count starts again
            #expect(try await attempt("right one", at: 62 + 122 + 16 * 60) == "in")
            // success clears the count: one more failure does not lock
            #expect(try await attempt("wrong", at: 62 + 122 + 17 * 60).contains("wrong"))
            #expect(try await attempt("right one", at: 62 + 122 + 17 * 60) == "in")
        }
    }

    @Test func oneWrongPasswordEveryFifteenMinutesNeverLocksTheAccount() async throws {
        try await withStore { store in
            let sessions = SessionService(storage: store, hasher: PlainHasher())
            try await store.createAdministrator(
                Administrator(email: "eve@example.com", role: .admin, passwordHash: "plain:pw"))
            let now = Date()
            for step in 0..<20 {
                let error = await #expect(throws: RosterError.self) {
                    try await sessions.signIn(
                        email: "eve@example.com", password: "nope", clientIp: nil,
                        now: now.addingTimeInterval(Double(step) * 15 * 60 + 1))
                }
                #expect(error?.description.contains("wrong") == true)
            }
        }
    }

    @Test func parallelAttemptsAreCountedBeforeThePasswordIsChecked() async throws {
        try await withStore { store in
            // setup: a slow hasher, as bcrypt is
            let sessions = SessionService(storage: store, hasher: SlowHasher())
            try await store.createAdministrator(
                Administrator(email: "ann@example.com", role: .admin, passwordHash: "plain:x"))
            // MUT: twenty guesses at once
            let checked = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await sessions.signIn(
                                email: "ann@example.com", password: "guess", clientIp: "10.1.1.1")
                            return true
                        } catch let error as RosterError { return error.description.contains("wrong") }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // validate: only five were checked against the password
            #expect(checked == 5)
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
