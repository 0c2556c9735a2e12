import Foundation
import Testing

@testable import RosterCore

@Suite struct AdministratorTests {
    let password = "violet-harbour-tuesday-42"

    func admin(_ h: Harness, _ email: String, role: Role = .admin) async throws -> Administrator {
        try await h.domain.administrators.create(email: email, role: role, password: password, by: .system)
    }

    @Test func disablingAnAdministratorEndsTheirSessionsAndTheirKeysStopWorking() async throws {
        // setup
        try await Harness.run { h in
            _ = try await admin(h, "boss@example.com")
            _ = try await admin(h, "leaver@example.com", role: .manager)
            let session = try await h.domain.sessions.signIn(
                email: "leaver@example.com", password: password, clientIp: nil)
            let (_, key) = try await h.domain.keys.create(
                name: "ci", role: .manager, owner: "leaver@example.com", by: .system)
            #expect(try await h.domain.keys.authenticate(apiKey: key, clientIp: nil).email == "leaver@example.com")
            // MUT
            try await h.domain.administrators.disable(email: "leaver@example.com", by: .system)
            // validate
            #expect(try await h.domain.sessions.authenticate(token: session.token, clientIp: nil) == nil)
            await #expect(throws: RosterError.unauthorized("the API key's administrator is disabled or gone")) {
                _ = try await h.domain.keys.authenticate(apiKey: key, clientIp: nil)
            }
            await #expect(throws: RosterError.self) {
                _ = try await h.domain.sessions.signIn(email: "leaver@example.com", password: password, clientIp: nil)
            }
            #expect(try await h.storage.events(InsightsQuery(type: .adminDisable)).count == 1)
            // MUT, validate: deleting takes their keys with them; the key fails closed
            try await h.domain.administrators.delete(email: "leaver@example.com", by: .system)
            await #expect(throws: RosterError.self) {
                _ = try await h.domain.keys.authenticate(apiKey: key, clientIp: nil)
            }
        }
    }

    @Test func theLastActiveAdminCannotBeDisabledDeletedOrDemoted() async throws {
        // setup: a directory whose only administrators are the test's own
        try await Harness.run(storedAdmin: false) { h in
            _ = try await admin(h, "only@example.com")
            _ = try await admin(h, "helper@example.com", role: .manager)
            // MUT, validate
            for change in [
                { try await h.domain.administrators.disable(email: "only@example.com", by: .system) },
                { try await h.domain.administrators.delete(email: "only@example.com", by: .system) },
                { try await h.domain.administrators.setRole(email: "only@example.com", role: .manager, by: .system) },
            ] as [() async throws -> Void] {
                let error = await #expect(throws: RosterError.self) { try await change() }
                #expect(error?.description.contains("last active administrator") == true)
            }
            // once another is admin, it can
            try await h.domain.administrators.setRole(email: "helper@example.com", role: .admin, by: .system)
            try await h.domain.administrators.setRole(email: "only@example.com", role: .readonly, by: .system)
        }
    }

    @Test func aDemotedAdministratorsKeyActsWithTheNewRoleAtMost() async throws {
        // setup
        try await Harness.run { h in
            _ = try await admin(h, "boss@example.com")
            _ = try await admin(h, "ops@example.com")
            let (_, key) = try await h.domain.keys.create(
                name: "ops", role: .admin, owner: "ops@example.com", by: .system)
            let session = try await h.domain.sessions.signIn(
                email: "ops@example.com", password: password, clientIp: nil)
            // MUT
            try await h.domain.administrators.setRole(email: "ops@example.com", role: .readonly, by: .system)
            // validate
            #expect(try await h.domain.keys.authenticate(apiKey: key, clientIp: nil).role == .readonly)
            #expect(try await h.domain.sessions.authenticate(token: session.token, clientIp: nil) == nil)
        }
    }

    @Test func revokedAndExpiredKeysFailAndFailuresAreRecordedOnceAMinutePerAddress() async throws {
        // setup
        try await Harness.run { h in
            let (revokedKey, revoked) = try await h.domain.keys.create(
                name: "old", role: .readonly, owner: nil, by: .system)
            let (_, expiring) = try await h.domain.keys.create(
                name: "short", role: .readonly, owner: nil, expiresIn: 60, by: .system)
            try await h.domain.keys.revoke(id: revokedKey.id, by: .system)
            // MUT, validate
            await #expect(throws: RosterError.unauthorized("the API key was revoked")) {
                _ = try await h.domain.keys.authenticate(apiKey: revoked, clientIp: "10.0.0.1")
            }
            #expect(try await h.domain.keys.authenticate(apiKey: expiring, clientIp: nil).role == .readonly)
            await #expect(throws: RosterError.unauthorized("the API key expired")) {
                _ = try await h.domain.keys.authenticate(
                    apiKey: expiring, clientIp: "10.0.0.2", now: Date().addingTimeInterval(61))
            }
            for _ in 0..<5 { _ = try? await h.domain.keys.authenticate(apiKey: "rst_guess", clientIp: "10.0.0.1") }
            let failures = try await h.storage.events(InsightsQuery(type: .apikeyAuthFailure))
            #expect(failures.count == 2, "one per address per minute: 10.0.0.1 once, 10.0.0.2 once")
            #expect(try await h.domain.keys.list(by: .system).first { $0.key.id == revokedKey.id }?.status == .revoked)
        }
    }

    @Test func revokingALeakedKeyRevokesEveryKeyMadeWithIt() async throws {
        // setup: a leaked admin key mints a key, which mints another
        try await Harness.run { h in
            _ = try await admin(h, "boss@example.com")
            let (leaked, leakedSecret) = try await h.domain.keys.create(
                name: "leaked", role: .admin, owner: "boss@example.com", by: .system)
            let asLeaked = try await h.domain.keys.authenticate(apiKey: leakedSecret, clientIp: nil)
            let (child, childSecret) = try await h.domain.keys.create(
                name: "child", role: .admin, owner: "boss@example.com", by: asLeaked)
            let asChild = try await h.domain.keys.authenticate(apiKey: childSecret, clientIp: nil)
            let (_, grandchildSecret) = try await h.domain.keys.create(
                name: "grandchild", role: .readonly, owner: "boss@example.com", by: asChild)
            let (_, unrelated) = try await h.domain.keys.create(
                name: "unrelated", role: .readonly, owner: "boss@example.com", by: .system)
            #expect(child.parentId == leaked.id)
            // MUT
            try await h.domain.keys.revoke(id: leaked.id, by: .system)
            // validate
            for secret in [leakedSecret, childSecret, grandchildSecret] {
                await #expect(throws: RosterError.unauthorized("the API key was revoked")) {
                    _ = try await h.domain.keys.authenticate(apiKey: secret, clientIp: nil)
                }
            }
            #expect(try await h.domain.keys.authenticate(apiKey: unrelated, clientIp: nil).role == .readonly)
            let event = try await h.storage.events(InsightsQuery(type: .apikeyRevoke)).first
            #expect(event?.resource?.name == "leaked and 2 keys made with it")
        }
    }

    @Test func aKeyCannotHaveMoreThanItsAdministratorsRole() async throws {
        try await Harness.run { h in
            _ = try await admin(h, "boss@example.com")
            _ = try await admin(h, "viewer@example.com", role: .readonly)
            await #expect(throws: RosterError.self) {
                _ = try await h.domain.keys.create(name: "k", role: .admin, owner: "viewer@example.com", by: .system)
            }
        }
    }

    @Test func administratorsPasswordsFollowTheUsersRules() async throws {
        try await Harness.run { h in
            let error = await #expect(throws: RosterError.self) {
                _ = try await h.domain.administrators.create(
                    email: "a@example.com", role: .admin, password: "a long admin password",
                    by: .system)
            }
            #expect(error?.description.contains("breached") == true)
        }
    }

    @Test func aSessionEndsAtItsAbsoluteLifetimeHoweverBusyAndSignOutEverywhereEndsAll() async throws {
        // setup
        try await Harness.run { h in
            _ = try await admin(h, "ann@example.com")
            let now = Date()
            let first = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: now)
            let second = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: now)
            // MUT, validate: used every half hour, the first still ends after twelve hours
            for hour in stride(from: 0.5, to: 12, by: 0.5) {
                #expect(
                    try await h.domain.sessions.authenticate(
                        token: first.token, clientIp: nil,
                        now: now.addingTimeInterval(hour * 3600)) != nil)
            }
            #expect(
                try await h.domain.sessions.authenticate(
                    token: first.token, clientIp: nil,
                    now: now.addingTimeInterval(12 * 3600 + 1)) == nil)
            // MUT, validate
            let (me, _) = try #require(
                try await h.domain.sessions.authenticate(token: second.token, clientIp: nil, now: now))
            try await h.domain.sessions.signOutEverywhere(by: me)
            #expect(try await h.domain.sessions.authenticate(token: second.token, clientIp: nil, now: now) == nil)
        }
    }
}
