import Foundation
import RosterTestSupport
import SCIM
import Testing

@testable import RosterCore

@Suite struct ProvisioningTests {
    /// A directory with `count` users in group "Staff", bound to "App".
    func boundGroup(_ h: Harness, count: Int) async throws -> [DirectoryUser] {
        try await h.application()
        let users = (1...count).map {
            DirectoryUser(email: "user\($0)@example.com", username: "user\($0)", firstname: "User", lastname: "\($0)")
        }
        for user in users { try await h.add(user) }
        try await h.bindStaff(users.map(\.email))
        return users
    }

    @Test func aMemberOfABoundGroupIsCreatedThenUpdatedThenDeactivated() async throws {
        // setup
        try await Harness.run { h in
            let users = try await boundGroup(h, count: 2)
            // MUT: create
            try await h.work()
            // validate
            #expect(Set(h.provider.users.compactMap { $0["userName"]?.text }) == ["user1", "user2"])
            let group = try #require(h.provider.groups.first)
            #expect(group["displayName"]?.text == "Staff" && group["members"]?.elements.count == 2)
            // MUT: update
            _ = try await h.domain.directory.update(
                email: users[0].email, attributes: ["jobTitle": "Engineer"], by: .system)
            try await h.work()
            #expect(h.provider.user("user1")?["title"]?.text == "Engineer")
            #expect(h.provider.requests.contains { $0.hasPrefix("PATCH /Users/") })
            // MUT: removal from the group deactivates
            try await h.domain.groups.removeMembers(group: "Staff", emails: [users[1].email], by: .system)
            try await h.work()
            #expect(h.provider.user("user2")?["active"]?.bool == false)
            #expect(try #require(h.provider.groups.first)["members"]?.elements.count == 1)
            let outcomes = try await h.log().map(\.outcome)
            #expect(outcomes.allSatisfy { $0 == .succeeded })
        }
    }

    @Test func anAccountThatAlreadyExistsIsLinkedNotCreatedAgain() async throws {
        // setup
        try await Harness.run { h in
            let remoteId = h.provider.addUser("user1", email: "user1@example.com")
            _ = try await boundGroup(h, count: 1)
            // MUT
            try await h.work()
            // validate
            #expect(h.provider.users.count == 1)
            let app = try #require(try await h.storage.application(named: "App"))
            let userId = try #require(try await h.users().first?.id)
            let link = try #require(try await h.storage.provisionedUser(applicationId: app.id, userId: userId))
            #expect(link.remoteId == remoteId && link.active)
            #expect(try await h.log().first?.operation == .link)
        }
    }

    @Test func failedPushesAreRetriedWithGrowingBackOffAndQuarantineTheApplicationAfterTen() async throws {
        // setup: every write fails
        try await Harness.run { h in
            _ = try await boundGroup(h, count: 12)
            h.provider.fail(.POST, "/Users", status: 503)
            // The clock stands still: a retried push is never due again during the test.
            let now = Date()
            h.storage.setClock { now }
            // MUT
            try await h.work()
            // validate: the first failures wait 2 s before the next attempt, and the tenth quarantines
            let retrying = try await h.log().filter { $0.outcome == .retrying }
            #expect(retrying.count == ProvisioningRunner.quarantineAfter - 1)
            #expect(retrying.allSatisfy { $0.detail?.contains("attempt 1 of 8, next in 2 s") == true })
            let integration = try #require(try await h.storage.integration(applicationId: retrying[0].application.id))
            #expect(integration.status == .error)
            #expect(integration.lastError?.hasPrefix("quarantined after 10 failed pushes in a row") == true)
            #expect(try await h.jobs(.provisionUser, status: "held").count >= 1)
            // MUT: a retried push's back-off grows with its attempts
            #expect(ProvisioningRunner.backoff(attempt: 1) == .seconds(2))
            #expect(ProvisioningRunner.backoff(attempt: 3) == .seconds(8))
            #expect(ProvisioningRunner.backoff(attempt: 20) == .seconds(256))
            // the SCIM client first retried each 503 with its own back-off, 250 ms doubling
            #expect(Array(h.sleeps.all.prefix(3)) == [.milliseconds(250), .milliseconds(500), .milliseconds(1000)])
        }
    }

    @Test func rostersOwnFailuresAreRetriedWithoutCountingTowardsQuarantine() async throws {
        // setup: the database fails while pushes run
        try await Harness.run { h in
            _ = try await boundGroup(h, count: 12)
            try await h.storage.failWrites(to: "provisioned_users")
            // The clock stands still: a retried push is never due again during the test.
            let now = Date()
            h.storage.setClock { now }
            // MUT
            try await h.work()
            // validate
            let app = try #require(try await h.storage.application(named: "App"))
            #expect(try await h.storage.integration(applicationId: app.id)?.status == .active)
            let failures = try await h.storage.count(
                "SELECT push_failures AS n FROM integrations WHERE application_id = '\(app.id.text)'")
            #expect(failures == 0)
            let retrying = try await h.log().filter { $0.outcome == .retrying }
            #expect(retrying.count == 12)
            #expect(retrying.allSatisfy { $0.detail?.hasPrefix("Roster failed") == true })
            #expect(
                retrying.allSatisfy { $0.detail?.contains("injected") == false }, "the driver's text stays in the log")
        }
    }

    @Test func removingMoreThanAFifthOfAnApplicationsUsersIsHeldUntilConfirmed() async throws {
        // setup
        try await Harness.run { h in
            let users = try await boundGroup(h, count: 10)
            try await h.work()
            // MUT
            try await h.domain.groups.removeMembers(group: "Staff", emails: users.prefix(3).map(\.email), by: h.admin)
            try await h.work()
            // validate
            #expect(try await h.jobs(.provisionUser, status: "held").count == 3)
            #expect(h.provider.users.allSatisfy { $0["active"]?.bool != false }, "nothing deprovisioned yet")
            let held = try await h.log().filter { $0.outcome == .held }
            #expect(
                held.count == 3 && held.allSatisfy { $0.detail?.contains("would deprovision 3 of 10 users") == true })
            // MUT
            #expect(try await h.domain.provisioning.confirmHeld(application: "App", by: h.admin) == 3)
            try await h.work()
            #expect(h.provider.users.filter { $0["active"]?.bool == false }.count == 3)
        }
    }

    @Test func oneTokenServesManyPushesAndAnotherIsFetchedOnlyWhenTheProviderRevokesIt() async throws {
        // setup: an OAuth integration and twenty users
        try await Harness.run { h in
            h.provider.requireOAuth()
            try await h.application(
                auth: IntegrationInput(
                    scimURL: FakeProvider.base, authType: "oauth2",
                    tokenURL: FakeProvider.tokenURL, clientID: "roster", clientSecret: "s"))
            let users = (1...20).map { DirectoryUser(email: "user\($0)@example.com", username: "user\($0)") }
            for user in users { try await h.add(user) }
            try await h.bindStaff(users.map(\.email))
            // MUT: four workers push at once
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await h.work(kinds: [.provisionUser]) } }
                try await group.waitForAll()
            }
            // validate
            #expect(h.provider.users.count == 20)
            #expect(h.provider.tokensIssued == 1)
            // MUT: the provider revokes the token; the next push gets a 401, fetches one new token, and succeeds
            h.provider.revokeToken()
            _ = try await h.domain.directory.update(
                email: users[0].email, attributes: ["jobTitle": "Lead"], by: .system)
            try await h.work()
            #expect(h.provider.tokensIssued == 2)
            #expect(h.provider.user("user1")?["title"]?.text == "Lead")
        }
    }
}
