import Foundation
import RosterStore
import RosterTestSupport
import SCIM
import Synchronization
import Testing

@testable import RosterCore

/// What the unit of work promises, on the real store: a change, its Insights events and the
/// provisioning it causes commit together or not at all; versions refuse stale writes in the
/// write itself; concurrent member changes all take effect; reads do not wait for writers.
@Suite struct UnitOfWorkTests {
    @Test func aSCIMUserWhoseEventCannotBeWrittenIsNotCreatedEither() async throws {
        try await Harness.run { h in
            // setup: the database refuses Insights events
            try await h.storage.failWrites(to: "insights_events")
            // MUT
            await #expect(throws: (any Error).self) { _ = try await h.created("ann@example.com") }
            // validate: nothing half-done
            #expect(try await h.storage.userCount() == 0)
        }
    }

    /// Every door that changes a user or a group, with the database refusing its Insights event: each
    /// change is refused whole, and the user and group read back as they were.
    @Test(arguments: ["scim put", "scim patch", "scim delete", "group put", "group patch", "group delete", "edit"])
    func aChangeWhoseEventCannotBeWrittenLeavesNothingChanged(_ door: String) async throws {
        try await Harness.run { h in
            // setup: a user in a group, made through SCIM
            let id = try #require(try await h.created("ann@example.com")["id"]?.text)
            let group = try await h.domain.scimGroups.create(
                json(#"{"displayName": "Eng", "members": [{"value": "\#(id)"}]}"#), projection: .init(), by: h.admin)
            let gid = try #require(group["id"]?.text)
            let (users, groups) = (h.domain.scimUsers, h.domain.scimGroups)
            let before = try await users.get(id: id, projection: .init(), by: h.admin)
            let groupBefore = try await groups.get(id: gid, projection: .init(), by: h.admin)
            try await h.storage.failWrites(to: "insights_events")
            let patch = json(
                #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": "#
                    + #"[{"op": "replace", "path": "title", "value": "Boss"}]}"#)
            let memberPatch = json(
                #"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": "#
                    + #"[{"op": "remove", "path": "members"}]}"#)
            // MUT
            await #expect(throws: (any Error).self) {
                switch door {
                case "scim put":
                    _ = try await users.replace(
                        id: id,
                        json(
                            #"{"userName": "ann@example.com", "title": "Boss", "emails": "#
                                + #"[{"value": "ann@example.com"}]}"#), ifMatch: nil, projection: .init(), by: h.admin)
                case "scim patch":
                    _ = try await users.patch(id: id, patch, ifMatch: nil, projection: .init(), by: h.admin)
                case "scim delete": try await users.delete(id: id, ifMatch: nil, by: h.admin)
                case "group put":
                    _ = try await groups.replace(
                        id: gid, json(#"{"displayName": "Sales", "members": []}"#), ifMatch: nil, projection: .init(),
                        by: h.admin)
                case "group patch":
                    _ = try await groups.patch(id: gid, memberPatch, ifMatch: nil, projection: .init(), by: h.admin)
                case "group delete": try await groups.delete(id: gid, ifMatch: nil, by: h.admin)
                default:
                    _ = try await h.domain.directory.update(
                        email: "ann@example.com", attributes: ["jobTitle": "Boss"], by: h.admin)
                }
            }
            // validate: both read back exactly as before, versions included
            #expect(try await users.get(id: id, projection: .init(), by: h.admin) == before)
            #expect(try await groups.get(id: gid, projection: .init(), by: h.admin) == groupBefore)
        }
    }

    @Test func aSignInWhoseEventCannotBeWrittenOpensNoSession() async throws {
        try await Harness.run { h in
            // setup
            let password = "violet-harbour-tuesday-42"
            _ = try await h.domain.administrators.create(
                email: "ann@example.com", role: .admin, password: password, by: .system)
            let sessions = try await h.storage.count("SELECT count(*) AS n FROM admin_sessions")
            try await h.storage.failWrites(to: "insights_events")
            // MUT
            await #expect(throws: (any Error).self) {
                _ = try await h.domain.sessions.signIn(email: "ann@example.com", password: password, clientIp: nil)
            }
            // validate: no session the audit trail does not show
            #expect(try await h.storage.count("SELECT count(*) AS n FROM admin_sessions") == sessions)
        }
    }

    @Test func aMemberAddedWhoseProvisioningCannotBeQueuedIsNotAddedEither() async throws {
        try await Harness.run { h in
            // setup: a group bound to an application, and a database that refuses queued work
            try await h.application()
            try await h.add(DirectoryUser(email: "ann@example.com", username: "ann"))
            _ = try await h.domain.groups.create(name: "Staff", by: h.admin)
            try await h.domain.groups.bind(group: "Staff", application: "App", by: h.admin)
            try await h.storage.failWrites(to: "jobs")
            // MUT
            await #expect(throws: (any Error).self) {
                try await h.domain.groups.addMembers(group: "Staff", emails: ["ann@example.com"], by: h.admin)
            }
            // validate
            let group = try #require(try await h.storage.group(named: "Staff"))
            #expect(try await h.storage.members(groupId: group.id).isEmpty)
            #expect(try await h.events().filter { $0.type == .groupAddMember }.isEmpty)
        }
    }

    @Test func applicationSettingsWhoseEventsCannotBeWrittenAreNoneOfThemChanged() async throws {
        try await Harness.run { h in
            // setup: an application, and a database that refuses Insights events
            let app = try await h.application()
            let before = try #require(try await h.storage.integration(applicationId: app.id))
            try await h.storage.failWrites(to: "insights_events")
            // MUT: three settings at once
            await #expect(throws: (any Error).self) {
                try await h.domain.applications.change(
                    .init(deprovision: "delete", allowPrivateNetwork: true, rateLimit: "50"), application: "App",
                    by: h.admin)
            }
            // validate: none of them half-kept
            let after = try #require(try await h.storage.integration(applicationId: app.id))
            #expect(after.allowPrivateNetwork == before.allowPrivateNetwork && after.rateLimit == before.rateLimit)
            #expect(try await h.storage.deprovisionAction(applicationId: app.id) == .deactivate)
        }
    }

    @Test func ofConcurrentPatchesNamingTheSameVersionExactlyOneIsAccepted() async throws {
        try await Harness.run { h in
            let users = h.domain.scimUsers
            for pair in 0..<10 {
                // setup
                let user = try await h.created("pair\(pair)@example.com")
                let id = try #require(user["id"]?.text)
                let version = try #require(user["meta"]?["version"]?.text)
                // MUT: two clients patch from the same version at once
                let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for title in ["One", "Two"] {
                        group.addTask {
                            do {
                                _ = try await users.patch(
                                    id: id,
                                    json(
                                        #"{"Operations": [{"op": "replace", "path": "title", "value": "\#(title)"}]}"#),
                                    ifMatch: version, projection: .init(), by: h.admin)
                                return true
                            } catch let error as SCIMProtocolError where error.status == 412 {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                // validate
                #expect(accepted.filter { $0 }.count == 1, "pair \(pair): \(accepted)")
                let stored = try #require(try await h.storage.user(id: UUID(text: id)!))
                #expect(stored.version == 2)
            }
        }
    }

    @Test func anAdministratorsEditOfAUserChangedMeanwhileSavesNothingAndSaysSo() async throws {
        try await Harness.run { h in
            // setup: an administrator reads the user; someone else changes it
            try await h.add(DirectoryUser(email: "ann@example.com", username: "ann"))
            let read = try await h.domain.directory.find(email: "ann@example.com", by: h.admin)
            _ = try await h.domain.directory.update(
                email: "ann@example.com", attributes: ["department": "Sales"], version: read.version, by: h.admin)
            // MUT
            await #expect(throws: RosterError.self) {
                _ = try await h.domain.directory.update(
                    email: "ann@example.com", attributes: ["jobTitle": "Lead"], version: read.version, by: h.admin)
            }
            // validate
            let stored = try await h.domain.directory.find(email: "ann@example.com", by: h.admin)
            #expect(stored.department == "Sales" && stored.jobTitle == nil && stored.version == read.version + 1)
        }
    }

    @Test func membersAddedAndRemovedByManyClientsAtOnceAreEveryOneKept() async throws {
        try await Harness.run { h in
            // setup: 40 users, one group
            var ids: [String] = []
            for n in 0..<40 { ids.append(try #require(try await h.created("m\(n)@example.com")["id"]?.text)) }
            let group = try await h.domain.scimGroups.create(
                json(#"{"displayName": "Shared"}"#), projection: .init(), by: h.admin)
            let groupId = try #require(group["id"]?.text)
            let groups = h.domain.scimGroups
            // MUT: each user added by a request of its own, all at once; every fourth removed again
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (n, id) in ids.enumerated() {
                    tasks.addTask {
                        let add = #"{"Operations": [{"op": "add", "path": "members", "value": [{"value": "\#(id)"}]}]}"#
                        _ = try await groups.patch(
                            id: groupId, json(add), ifMatch: nil, projection: .init(), by: h.admin)
                        guard n % 4 == 0 else { return }
                        let remove = #"{"Operations": [{"op": "remove", "path": "members[value eq \"\#(id)\"]"}]}"#
                        _ = try await groups.patch(
                            id: groupId, json(remove), ifMatch: nil, projection: .init(), by: h.admin)
                    }
                }
                try await tasks.waitForAll()
            }
            // validate
            let members = try await h.storage.members(groupId: UUID(text: groupId)!).map(\.text)
            let expected = ids.enumerated().filter { $0.offset % 4 != 0 }.map(\.element)
            #expect(Set(members) == Set(expected))
            let stored = try #require(try await h.storage.group(id: UUID(text: groupId)!))
            #expect(stored.version == 1 + 40 + 10, "each change of the members is a version")
        }
    }

    @Test func aGroupReadWithoutItsMembersDoesNotReadThem() async throws {
        try await Harness.run { h in
            let a = try #require(try await h.created("a@example.com")["id"]?.text)
            let group = try await h.domain.scimGroups.create(
                json(#"{"displayName": "G", "members": [{"value": "\#(a)"}]}"#), projection: .init(), by: h.admin)
            let id = try #require(group["id"]?.text)
            let without = try SCIMProjection(attributes: nil, excluded: "members")
            let read = try await h.domain.scimGroups.get(id: id, projection: without, by: h.admin)
            #expect(read["members"] == nil && read["meta"]?["version"]?.text == #"W/"2""#)
            let full = try await h.domain.scimGroups.get(id: id, projection: .init(), by: h.admin)
            #expect(full["members"]?.elements.count == 1)
        }
    }

    // A read that waited for the write would wait for ever: the limit turns that into a failure.
    @Test(.timeLimit(.minutes(1))) func onSQLiteAPageIsReadWhileAWriteTransactionIsOpen() async throws {
        try await TestStores.with(.sqlite) { stores in
            let storage = stores[0]
            try await storage.insertUsers([DirectoryUser(email: "ann@example.com", username: "ann")])
            let inside = Gate(), release = Gate()
            // setup: a writer holds the database's one write connection until the test lets it go
            async let writer: Void = storage.transaction { tx in
                try await tx.createUser(DirectoryUser(email: "bob@example.com", username: "bob"))
                await inside.pass()
                await release.pass()
            }
            await inside.untilArrived()
            inside.open()
            // MUT: a read while the write is open (on one shared connection it would wait for it)
            let page = try await storage.users(search: nil, sort: .email, limit: 10, offset: 0)
            // validate: the last commit, without the open write
            #expect(page.map(\.email) == ["ann@example.com"])
            release.open()
            try await writer
            #expect(try await storage.userCount() == 2)
        }
    }
}
