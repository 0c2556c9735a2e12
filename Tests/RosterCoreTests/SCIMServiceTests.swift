import Foundation
import SCIM
import Testing

@testable import RosterCore

/// SCIM's resources as the tests write them.
func json(_ text: String) -> JSONValue { try! JSONParser.parse(Array(text.utf8)) }

extension Harness {
    /// A user made through the SCIM service, as a client sees it.
    func created(_ userName: String, _ extra: String = "") async throws -> JSONValue {
        try await domain.scimUsers.create(
            json(#"{"userName": "\#(userName)", "emails": [{"value": "\#(userName)"}]\#(extra)}"#),
            projection: .init(), by: admin)
    }
}

@Suite struct SCIMServiceTests {
    let reader = Initiator(type: .apikey, id: UUID(), email: nil, role: .readonly)

    @Test func whatAClientWritesItReadsBackAndTheDirectoryHoldsItAsImportWould() async throws {
        try await Harness.run { harness in
            let sent = json(
                """
                {"schemas": ["\(SCIMSchema.user)", "\(SCIMSchema.enterpriseUser)"], "externalId": "E-1",
                 "userName": "ada", "name": {"givenName": "Ada", "familyName": "Lovelace", "middleName": "K"},
                 "displayName": "Ada L.", "title": "Engineer", "userType": "Employee", "active": true,
                 "emails": [{"value": "ada@example.com", "type": "work"}],
                 "phoneNumbers": [{"value": "+44 1", "type": "work"}],
                 "addresses": [{"type": "home", "locality": "London", "country": "GB"}],
                 "\(SCIMSchema.enterpriseUser)": {"employeeNumber": "7", "costCenter": "C", "organization": "O",
                                                    "department": "D"}}
                """)
            let user = try await harness.domain.scimUsers.create(sent, projection: .init(), by: harness.admin)
            guard case .object(var back) = user, case .object(let original) = sent else { return }
            for key in ["id", "meta"] { back[key] = nil }
            #expect(back == original)
            let stored = try #require(try await harness.storage.usersMatching(keys: ["ada"]).first)
            #expect(stored.email == "ada@example.com" && stored.employeeIdentifier == "7" && stored.externalId == "E-1")
            #expect(stored.state == .active && stored.passwordStatus == .pending && stored.source.type == .api)
        }
    }

    @Test func aReadonlyKeyReadsButNeverWrites() async throws {
        try await Harness.run { harness in
            let user = try await harness.created("r@example.com")
            let id = try #require(user["id"]?.text)
            let users = harness.domain.scimUsers
            _ = try await users.get(id: id, projection: .init(), by: reader)
            await #expect(throws: RosterError.self) {
                _ = try await users.create(json(#"{"userName": "x@example.com"}"#), projection: .init(), by: reader)
            }
            await #expect(throws: RosterError.self) { try await users.delete(id: id, ifMatch: nil, by: reader) }
        }
    }

    @Test func userNamesAreUniqueCaseInsensitivelyAndAConflictChangesNothing() async throws {
        try await Harness.run { harness in
            _ = try await harness.created("Sam@example.com")
            await #expect(
                throws: SCIMProtocolError(409, .uniqueness, "userName Sam@example.com belongs to another user")
            ) {
                _ = try await harness.created("sam@EXAMPLE.com")
            }
            #expect(try await harness.storage.scimUserCount() == 1)
        }
    }

    @Test func patchRemovingActiveStagesTheUserAndFalseSuspendsIt() async throws {
        try await Harness.run { harness in
            let id = try #require(try await harness.created("p@example.com")["id"]?.text)
            let users = harness.domain.scimUsers
            let op = { (text: String) in json(#"{"Operations": [\#(text)]}"#) }
            let staged = try await users.patch(
                id: id, op(#"{"op": "remove", "path": "active"}"#), ifMatch: nil, projection: .init(), by: harness.admin
            )
            #expect(staged["active"] == nil)
            #expect(try await harness.storage.user(id: UUID(text: id)!)?.state == .staged)
            let suspended = try await users.patch(
                id: id, op(#"{"op": "Replace", "path": "active", "value": "False"}"#), ifMatch: nil,
                projection: .init(),
                by: harness.admin)
            #expect(suspended["active"] == .bool(false))
            let events = try await harness.storage.events(InsightsQuery(limit: 100)).map(\.type)
            #expect(events.contains(.userSuspend) && events.contains(.userCreate))
        }
    }

    @Test func aStaleVersionIsRefusedWith412() async throws {
        try await Harness.run { harness in
            let user = try await harness.created("v@example.com")
            let id = try #require(user["id"]?.text)
            let version = try #require(user["meta"]?["version"]?.text)
            let change = json(#"{"Operations": [{"op": "replace", "path": "title", "value": "T"}]}"#)
            let users = harness.domain.scimUsers
            _ = try await users.patch(id: id, change, ifMatch: version, projection: .init(), by: harness.admin)
            await #expect(throws: SCIMProtocolError.self) {
                _ = try await users.patch(id: id, change, ifMatch: version, projection: .init(), by: harness.admin)
            }
        }
    }

    @Test func groupsHoldUsersByIdAndABoundGroupIsNeverDeleted() async throws {
        try await Harness.run { harness in
            let a = try #require(try await harness.created("a@example.com")["id"]?.text)
            let groups = harness.domain.scimGroups
            let group = try await groups.create(
                json(#"{"displayName": "Eng", "members": [{"value": "\#(a)"}]}"#), projection: .init(),
                by: harness.admin)
            let id = try #require(group["id"]?.text)
            #expect(group["members"]?.elements.compactMap { $0["value"]?.text } == [a])
            await #expect(throws: SCIMProtocolError.self) {
                _ = try await groups.create(
                    json(#"{"displayName": "Other", "members": [{"value": "nobody"}]}"#), projection: .init(),
                    by: harness.admin)
            }
            try await harness.application("Wiki")
            try await harness.domain.groups.bind(group: "Eng", application: "Wiki", by: harness.admin)
            await #expect(throws: SCIMProtocolError.self) {
                try await groups.delete(id: id, ifMatch: nil, by: harness.admin)
            }
            #expect(try await harness.storage.group(id: UUID(text: id)!) != nil)
            // A member deleted by SCIM (suspended) leaves how the group renders: its version moves too.
            let before = try #require(try await harness.storage.group(id: UUID(text: id)!)?.version)
            try await harness.domain.scimUsers.delete(id: a, ifMatch: nil, by: harness.admin)
            let after = try await groups.get(id: id, projection: .init(), by: harness.admin)
            #expect(after["members"]?.elements.isEmpty ?? true)
            #expect(try await harness.storage.group(id: UUID(text: id)!)?.version == before + 1)
        }
    }
}

@Suite struct SCIMServiceQueryTests {
    func seeded(_ harness: Harness, _ count: Int) async throws -> SCIMUsers {
        let users = harness.domain.scimUsers
        for n in 0..<count {
            _ = try await users.create(
                json(#"{"userName": "u\#(n)@example.com", "emails": [{"value": "u\#(n)@example.com"}]}"#),
                projection: .init(), by: harness.admin)
        }
        return users
    }

    @Test func cursorsWalkEveryUserOnceAndABadCursorIsInvalidCursor() async throws {
        try await Harness.run { harness in
            let users = try await seeded(harness, 7)
            var seen: [String] = []
            var query = try SCIMListQuery(parameters: ["cursor": "", "count": "3"])
            while true {
                let page = try await users.list(query, by: harness.admin)
                #expect(page.total == 7)
                seen += page.resources.compactMap { $0["userName"]?.text }
                guard let next = page.nextCursor else { break }
                query.cursor = try SCIMCursor(token: next)
            }
            // Each once: in creation order by the millisecond, then by id.
            #expect(seen.count == 7 && Set(seen) == Set((0..<7).map { "u\($0)@example.com" }))
            #expect(
                throws: SCIMProtocolError.badRequest(.invalidCursor, #"the cursor "nonsense" is not one Roster gave"#)
            ) {
                _ = try SCIMListQuery(parameters: ["cursor": "nonsense"])
            }
            let filtered = try await users.list(
                try SCIMListQuery(parameters: ["cursor": "", "count": "2", "filter": #"userName sw "u""#]),
                by: harness.admin)
            #expect(filtered.resources.count == 2 && filtered.nextCursor != nil)
        }
    }

    @Test func aFilterWithoutAnIndexedEqualityOverTooManyUsersIsTooMany() async throws {
        try await Harness.run { harness in
            var users = try await seeded(harness, 3)
            users.maxScanned = 2
            let indexed = try SCIMListQuery(parameters: ["filter": #"userName eq "u1@example.com""#])
            #expect(try await users.list(indexed, by: harness.admin).total == 1)
            let scan = try SCIMListQuery(parameters: ["filter": #"title pr"#])
            await #expect(throws: SCIMProtocolError.self) { _ = try await users.list(scan, by: harness.admin) }
            do { _ = try await users.list(scan, by: harness.admin) } catch let error as SCIMProtocolError {
                #expect(error.scimType == .tooMany)
            }
        }
    }
}

@Suite struct SCIMDeleteTests {
    /// A SCIM user in a group bound to an application, provisioned there.
    func provisioned(_ h: Harness) async throws -> String {
        let user = try await h.domain.scimUsers.create(
            json(#"{"userName": "leaver", "emails": [{"value": "leaver@example.com"}]}"#), projection: .init(),
            by: h.admin)
        try await h.application("Wiki")
        _ = try await h.domain.scimGroups.create(
            json(#"{"displayName": "Staff", "members": [{"value": "\#(user["id"]!.text!)"}]}"#), projection: .init(),
            by: h.admin)
        try await h.domain.groups.bind(group: "Staff", application: "Wiki", by: h.admin)
        _ = try await h.work()
        #expect(h.provider.user("leaver")?["active"]?.bool == true)
        return try #require(user["id"]?.text)
    }

    @Test func deleteSuspendsByDefaultAndTheApplicationAccountIsDeactivated() async throws {
        try await Harness.run { h in
            let id = try await provisioned(h)
            try await h.domain.scimUsers.delete(id: id, ifMatch: nil, by: h.admin)
            _ = try await h.work()
            #expect(h.provider.user("leaver")?["active"]?.bool == false)
            let kept = try #require(try await h.storage.user(id: UUID(text: id)!))
            #expect(kept.state == .suspended && kept.scimDeleted != nil)
            await #expect(throws: SCIMProtocolError.self) {
                _ = try await h.domain.scimUsers.get(id: id, projection: .init(), by: h.admin)
            }
        }
    }

    @Test func deleteWithTheDeleteActionRemovesTheUserAfterDeprovisioningIt() async throws {
        try await Harness.run(scimDeleteAction: .delete) { h in
            let id = try await provisioned(h)
            try await h.domain.scimUsers.delete(id: id, ifMatch: nil, by: h.admin)
            #expect(try await h.storage.user(id: UUID(text: id)!) == nil)
            _ = try await h.work()
            #expect(h.provider.user("leaver")?["active"]?.bool == false)
            #expect(h.provider.groups.first?["members"]?.elements.isEmpty ?? true)
            let events = try await h.storage.events(InsightsQuery(limit: 100)).map(\.type)
            #expect(events.contains(.userDelete))
        }
    }
}

@Suite struct InitiatorLabelTests {
    @Test func anEventMadeWithAnAPIKeyNamesTheKey() async throws {
        try await Harness.run { h in
            _ = try await h.domain.administrators.create(
                email: "owner@example.com", role: .admin, password: "a long Passphrase 77", by: .system)
            let (_, ownerless) = try await h.domain.keys.create(name: "hris", role: .manager, owner: nil, by: .system)
            let (_, owned) = try await h.domain.keys.create(
                name: "okta", role: .manager, owner: "owner@example.com", by: .system)
            let viaKey = try await h.domain.keys.authenticate(apiKey: ownerless, clientIp: nil)
            let viaOwner = try await h.domain.keys.authenticate(apiKey: owned, clientIp: nil)
            #expect(viaKey.label == "apikey: hris")
            #expect(viaOwner.label == "owner@example.com (apikey: okta)")
            var scim = viaOwner
            scim.channel = "scim"
            _ = try await h.domain.scimUsers.create(
                try JSONParser.parse(
                    Array(#"{"userName": "k@example.com", "emails": [{"value": "k@example.com"}]}"#.utf8)),
                projection: .init(), by: scim)
            let event = try #require(try await h.storage.events(InsightsQuery(type: .userCreate, limit: 1)).first)
            #expect(event.initiator.apiKeyName == "okta" && event.initiator.channel == "scim")
        }
    }
}
