import Foundation
import Testing

@testable import RosterCore

@Suite struct AccountTests {
    @Test func aNewLinkOrAPasswordSetByAnAdministratorEndsOlderLinks() async throws {
        // setup
        try await Harness.run { h in
            let user = DirectoryUser(email: "ann@example.com", username: "ann")
            try await h.add(user)
            try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
            let first = try await h.storage.allUserTokens().first!
            // MUT
            try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
            // validate
            #expect(try await h.storage.allUserTokens().filter { $0.used == nil }.count == 1)
            let ended = try await h.storage.allUserTokens().filter { $0.used != nil }.count
            #expect(first.used == nil && ended == 1)
            // MUT, validate
            try await h.domain.accounts.setPassword(
                email: user.email, password: "violet-harbour-tuesday-42", by: h.admin)
            #expect(try await h.storage.allUserTokens().allSatisfy { $0.used != nil })
        }
    }

    @Test func aResetLinkLivesAnHourAndASuspendedUserGetsNone() async throws {
        // setup
        try await Harness.run { h in
            let user = DirectoryUser(email: "bob@example.com", username: "bob", passwordStatus: .set)
            try await h.add(user)
            // MUT
            try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
            // validate
            let token = try #require(try await h.storage.allUserTokens().first)
            #expect(token.purpose == "reset" && token.expires.timeIntervalSinceNow < 3601)
            var suspended = try #require(try await h.storage.user(id: user.id))
            suspended.state = .suspended
            try await h.storage.updateUser(suspended)
            await #expect(throws: RosterError.self) {
                try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
            }
        }
    }
}
