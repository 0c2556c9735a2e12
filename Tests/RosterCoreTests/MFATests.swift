import Foundation
import Testing

@testable import RosterCore

@Suite struct MFATests {
    let password = "violet-harbour-tuesday-42"

    @Test func totpMatchesTheRFC6238TestVectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", the last six of the eight digits.
        let secret = Data("12345678901234567890".utf8)
        for (time, code) in [
            (59.0, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037"),
        ] {
            #expect(TOTP.code(secret: secret, step: TOTP.timeStep(at: Date(timeIntervalSince1970: time))) == code)
        }
        #expect(Base32.encode(Data("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("MZXW6YTBOI") == Data("foobar".utf8))
    }

    @Test func enrolmentSignInWithACodeRecoveryCodesOnceAndAResetForALostPhone() async throws {
        // setup
        try await Harness.run { h in
            let admin = try await h.domain.administrators.create(
                email: "ann@example.com", role: .admin, password: password,
                by: .system)
            let now = Date()
            let first = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: now)
            #expect(first.session.stage == .complete)
            let me = Initiator.administrator(admin)
            // MUT: enrol
            let enrolment = try await h.domain.mfa.start(by: me)
            #expect(enrolment.uri.hasPrefix("otpauth://totp/Roster:ann@example.com?secret=\(enrolment.text)"))
            await #expect(throws: RosterError.self) {
                _ = try await h.domain.mfa.confirm(code: "000000", session: nil, by: me, now: now)
            }
            let step = TOTP.timeStep(at: now)
            let codes = try await h.domain.mfa.confirm(
                code: TOTP.code(secret: enrolment.secret, step: step), session: nil, by: me,
                now: now)
            #expect(codes.count == 10 && Set(codes).count == 10)
            // MUT: the next sign-in owes a second factor, which a later code gives (the enrolment's code is spent)
            let later = now.addingTimeInterval(60)
            let signedIn = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: later)
            #expect(signedIn.session.stage == .secondFactor)
            await #expect(throws: RosterError.self) {
                try await h.domain.sessions.verifySecondFactor(
                    token: signedIn.token, code: "123456", clientIp: nil, now: later)
            }
            let code = TOTP.code(secret: enrolment.secret, step: TOTP.timeStep(at: later))
            try await h.domain.sessions.verifySecondFactor(token: signedIn.token, code: code, clientIp: nil, now: later)
            #expect(
                try await h.domain.sessions.authenticate(token: signedIn.token, clientIp: nil, now: later)?.1.stage
                    == .complete)
            // a code is good once, even for another sign-in
            let again = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: later)
            await #expect(throws: RosterError.self) {
                try await h.domain.sessions.verifySecondFactor(
                    token: again.token, code: code, clientIp: nil, now: later)
            }
            // a recovery code works once, written any way
            try await h.domain.sessions.verifySecondFactor(
                token: again.token, code: codes[0].uppercased(), clientIp: nil, now: later)
            let third = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: later)
            await #expect(throws: RosterError.self) {
                try await h.domain.sessions.verifySecondFactor(
                    token: third.token, code: codes[0], clientIp: nil, now: later)
            }
            // MUT: a lost phone
            try await h.domain.administrators.resetMFA(email: "ann@example.com", by: .system)
            #expect(try await h.domain.sessions.authenticate(token: signedIn.token, clientIp: nil, now: later) == nil)
            let fresh = try await h.domain.sessions.signIn(
                email: "ann@example.com", password: password, clientIp: nil, now: later)
            #expect(fresh.session.stage == .complete)
            #expect(try await h.storage.events(InsightsQuery(type: .adminMFAReset)).count == 1)
        }
    }

    @Test func whenMFAIsRequiredAnAdministratorWithoutItMustEnrolFirst() async throws {
        // setup
        try await Harness.run { h in
            var sessions = h.domain.sessions
            sessions.requireMFA = true
            _ = try await h.domain.administrators.create(
                email: "bob@example.com", role: .manager, password: password, by: .system)
            // MUT
            let signedIn = try await sessions.signIn(email: "bob@example.com", password: password, clientIp: nil)
            // validate
            #expect(signedIn.session.stage == .enrol)
        }
    }

    /// An enrolled administrator with a confirmed factor, and the time it was confirmed.
    func enrolled(_ h: Harness, _ email: String, now: Date) async throws -> (Administrator, Data, [String]) {
        let admin = try await h.domain.administrators.create(
            email: email, role: .admin, password: password, by: .system)
        let enrolment = try await h.domain.mfa.start(by: .administrator(admin))
        let codes = try await h.domain.mfa.confirm(
            code: TOTP.code(secret: enrolment.secret, step: TOTP.timeStep(at: now)), session: nil,
            by: .administrator(admin), now: now)
        return (admin, enrolment.secret, codes)
    }

    @Test func replacingASecondFactorTakesThePasswordAndACodeFromTheCurrentOneNotTheSessionAlone() async throws {
        try await Harness.run { h in
            let now = Date()
            let (admin, secret, _) = try await enrolled(h, "ann@example.com", now: now)
            let me = Initiator.administrator(admin)
            let later = now.addingTimeInterval(120)
            let replacement = try await h.domain.mfa.start(by: me)
            let newCode = TOTP.code(secret: replacement.secret, step: TOTP.timeStep(at: later))
            let oldCode = TOTP.code(secret: secret, step: TOTP.timeStep(at: later))
            // The session alone, or with a wrong password or code, replaces nothing.
            for identity in [
                nil, MFAService.Identity(password: "wrong-password-entirely", code: oldCode, clientIp: nil),
                MFAService.Identity(password: password, code: "000000", clientIp: nil),
            ] {
                await #expect(throws: RosterError.self) {
                    _ = try await h.domain.mfa.confirm(
                        code: newCode, identity: identity, session: nil, by: me, now: later)
                }
            }
            #expect(try await h.storage.administrator(id: admin.id)?.mfaSecret == secret)
            // With both, the new factor replaces the old one and new recovery codes the old ones.
            let codes = try await h.domain.mfa.confirm(
                code: newCode, identity: .init(password: password, code: oldCode, clientIp: nil), session: nil, by: me,
                now: later)
            #expect(codes.count == 10)
            #expect(try await h.storage.administrator(id: admin.id)?.mfaSecret == replacement.secret)
        }
    }

    @Test func interleavedPasswordSignInsNeverGiveMoreThanFiveWrongCodesPerWindow() async throws {
        try await Harness.run { h in
            let now = Date()
            _ = try await enrolled(h, "ann@example.com", now: now)
            let sessions = h.domain.sessions
            var wrongCodesChecked = 0
            var lockedAt: Int?
            // A right password before every guess: the password's success must not clear the codes' count.
            for attempt in 1...12 {
                let at = now.addingTimeInterval(Double(attempt))
                guard
                    let signedIn = try? await sessions.signIn(
                        email: "ann@example.com", password: password, clientIp: "198.51.100.\(attempt)", now: at)
                else { break }
                do {
                    try await sessions.verifySecondFactor(
                        token: signedIn.token, code: "000000", clientIp: "198.51.100.\(attempt)", now: at)
                } catch let error as RosterError {
                    if error.description.contains("too many") {
                        lockedAt = attempt
                        break
                    }
                    wrongCodesChecked += 1
                }
            }
            #expect(wrongCodesChecked == sessions.maxFailures)
            #expect(lockedAt == sessions.maxFailures + 1)
        }
    }
}
