import Foundation
import Testing

@testable import RosterCore

@Suite struct AccountTests {
    @Test func aNewLinkOrAPasswordSetByAnAdministratorEndsOlderLinks() async throws {
        // setup
        let h = Harness()
        let user = DirectoryUser(email: "ann@example.com", username: "ann")
        await h.storage.add(user)
        try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
        let first = await h.storage.tokens.values.first!
        // MUT
        try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
        // validate
        #expect(await h.storage.tokens.values.filter { $0.used == nil }.count == 1)
        let ended = await h.storage.tokens.values.filter { $0.used != nil }.count
        #expect(first.used == nil && ended == 1)
        // MUT, validate
        try await h.domain.accounts.setPassword(email: user.email, password: "violet-harbour-tuesday-42", by: h.admin)
        #expect(await h.storage.tokens.values.allSatisfy { $0.used != nil })
    }

    @Test func aResetLinkLivesAnHourAndASuspendedUserGetsNone() async throws {
        // setup
        let h = Harness()
        var user = DirectoryUser(email: "bob@example.com", username: "bob", passwordStatus: .set)
        await h.storage.add(user)
        // MUT
        try await h.domain.accounts.sendLink(email: user.email, by: h.admin)
        // validate
        let token = try #require(await h.storage.tokens.values.first)
        #expect(token.purpose == "reset" && token.expires.timeIntervalSinceNow < 3601)
        user.state = .suspended
        await h.storage.add(user)
        await #expect(throws: RosterError.self) { try await h.domain.accounts.sendLink(email: user.email, by: h.admin) }
    }
}
