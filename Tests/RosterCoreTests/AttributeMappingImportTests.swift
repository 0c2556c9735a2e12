import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct AttributeMappingImportTests {
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    /// Two users at the provider (ada with the enterprise extension) and the application.
    func withHarness(_ body: (Harness) async throws -> Void) async throws {
        try await Harness.run { h in
            _ = h.provider.addUser(
                "ada", email: "ada@example.com",
                extra: [
                    "schemas": .array([.string(SCIMSchema.user), .string(Self.enterprise)]),
                    Self.enterprise: .object([
                        "division": .string(" R&D "), "manager": .object(["value": .string("m-1")]),
                    ]),
                    "userType": .string("FT"),
                ])
            _ = h.provider.addUser("bob", email: "bob@example.com", extra: ["userType": .string("PT")])
            try await h.application()
            try await body(h)
        }
    }

    @Test func anImportFillsAttributesThroughTheApplicationsRules() async throws {
        try await withHarness { h in
            let (version, _) = try await h.domain.mappings.set(
                application: "App",
                mapping: AttributeMapping(rules: [
                    AttributeRule(
                        source: "\(Self.enterprise):division", target: "organization", transforms: [.trim, .upper]),
                    AttributeRule(
                        source: "userType", target: "employeeType",
                        transforms: [.map(table: ["FT": "Full time", "PT": "Part time"], otherwise: nil)]),
                    AttributeRule(
                        source: "\(Self.enterprise):manager.value", target: "department",
                        transforms: [.defaultValue("unassigned")]),
                ]), by: h.admin)
            #expect(version.version == 1 && version.changedBy == "admin@example.com")
            _ = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            let users = try await h.users().sorted { $0.username < $1.username }
            #expect(users.map(\.organization) == ["R&D", nil])
            #expect(users.map(\.employeeType) == ["Full time", "Part time"])
            #expect(users.map(\.department) == ["m-1", "unassigned"])
            #expect(try await h.events().contains { $0.type == .attributeMappingSet })
        }
    }

    @Test func aMappingThatFailsOnASampleUserIsRefusedNamingTheUserAndNotSaved() async throws {
        try await withHarness { h in
            let long = AttributeRule(
                source: "userName", target: "jobTitle",
                transforms: [.replace(pattern: "^ada$", with: String(repeating: "x", count: 2_000))])
            await #expect(throws: RosterError.self) {
                try await h.domain.mappings.set(
                    application: "App", mapping: AttributeMapping(rules: [long]), by: h.admin)
            }
            do {
                _ = try await h.domain.mappings.set(
                    application: "App", mapping: AttributeMapping(rules: [long]), by: h.admin)
            } catch let error as RosterError {
                #expect(error.description.contains("fails on ada (id u1)"))
            }
            #expect(try await h.domain.mappings.versions(application: "App", by: h.admin).isEmpty)
        }
    }
}

@Suite struct AttributeMappingRoundTripTests {
    static let enterprise = AttributeMappingImportTests.enterprise

    @Test func importedWithAMappingAndProvisionedBackTheValuesComeBackWhereTheyWere() async throws {
        try await Harness.run { h in
            _ = h.provider.addUser(
                "ada", email: "ada@example.com",
                extra: [
                    "schemas": .array([.string(SCIMSchema.user), .string(Self.enterprise)]),
                    Self.enterprise: .object(["division": .string("R&D")]),
                    "phoneNumbers": .array([.object(["type": .string("mobile"), "value": .string("+47 1")])]),
                ])
            try await h.application()
            _ = try await h.domain.mappings.set(
                application: "App",
                mapping: AttributeMapping(rules: [
                    AttributeRule(source: "\(Self.enterprise):division", target: "organization"),
                    AttributeRule(source: #"phoneNumbers[type eq "mobile"].value"#, target: "jobTitle"),
                ]), by: h.admin)
            _ = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            let imported = try #require(try await h.users().first)
            #expect(imported.organization == "R&D" && imported.jobTitle == "+47 1")
            // The directory changes the values; provisioning writes them back at the rules' paths.
            _ = try await h.domain.directory.update(
                email: "ada@example.com", attributes: ["organization": "Sales", "jobTitle": "+47 2"], by: .system)
            try await h.bindStaff(["ada@example.com"])
            try await h.work()
            let remote = try #require(h.provider.user("ada"))
            #expect(remote[Self.enterprise]?["division"]?.text == "Sales")
            #expect(remote["phoneNumbers"]?.elements.first { $0["type"]?.text == "mobile" }?["value"]?.text == "+47 2")
            // Read again through the mapping, the application's user is the directory user.
            var again = imported
            try AttributeMapping(rules: [
                AttributeRule(source: "\(Self.enterprise):division", target: "organization"),
                AttributeRule(source: #"phoneNumbers[type eq "mobile"].value"#, target: "jobTitle"),
            ]).apply(to: &again, from: remote)
            #expect(again.organization == "Sales" && again.jobTitle == "+47 2")
        }
    }
}

@Suite struct MappingDirectionTests {
    static let enterprise = AttributeMappingImportTests.enterprise

    @Test func aTransformingRuleIsNeverWrittenBackAndOutboundRulesWriteWhatTheySay() async throws {
        try await Harness.run { h in
            // setup: the application's user, imported through a transforming rule
            let remoteId = h.provider.addUser(
                "ST0000", email: "st0000@wiki.example",
                extra: [
                    "emails": .array([.object(["value": .string("st0000@wiki.example"), "type": .string("work")])])
                ])
            try await h.application()
            let (_, preview) = try await h.domain.mappings.set(
                application: "App",
                mapping: AttributeMapping(rules: [
                    AttributeRule(
                        source: #"emails[type eq "work"].value"#, target: "employeeIdentifier",
                        transforms: [.replace(pattern: "@.*$", with: ""), .upper]),
                    AttributeRule(source: "\(Self.enterprise):division", target: "", value: .constant("R&D")),
                    AttributeRule(
                        source: "nickName", target: "", value: .join(["firstname", "lastname"], separator: " ")),
                    AttributeRule(source: "title", target: "jobTitle", direction: .outbound, onlyOnCreate: true),
                ]), by: h.admin)
            // the save shows both ways on the sample
            let sample = try #require(preview.first)
            #expect(sample.inbound.first?.attribute == "employeeIdentifier" && sample.inbound.first?.value == "ST0000")
            #expect(sample.outbound.map(\.path) == ["\(Self.enterprise):division", "nickName", "title"])
            _ = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            let imported = try #require(try await h.users().first)
            #expect(imported.employeeIdentifier == "ST0000")
            // MUT: the imported user is bound (linked to its account), then changed; a new user is created
            _ = try await h.domain.directory.update(
                email: imported.email, attributes: ["firstname": "Sam", "lastname": "Tee", "jobTitle": "Lead"],
                by: h.admin)
            try await h.add(DirectoryUser(email: "new@example.com", username: "new", firstname: "Nia", jobTitle: "Dev"))
            try await h.bindStaff([imported.email, "new@example.com"])
            try await h.work()
            // validate: the application's source value is unchanged; the outbound rules wrote what they say
            let linked = try #require(h.provider.users.first { $0["id"]?.text == remoteId })
            #expect(linked["emails"]?.elements.first?["value"]?.text == "st0000@wiki.example")
            #expect(!h.provider.requests.contains { $0.contains("emails[type eq") })
            #expect(linked[Self.enterprise]?["division"]?.text == "R&D")
            #expect(linked["nickName"]?.text == "Sam Tee")
            #expect(linked["title"] == nil, "only on create: a linked account keeps its own")
            let created = try #require(h.provider.user("new"))
            #expect(created["title"]?.text == "Dev" && created["nickName"]?.text == "Nia")
            // MUT, validate: a later change of jobTitle is not written over the created account's title
            _ = try await h.domain.directory.update(
                email: "new@example.com", attributes: ["jobTitle": "CTO"], by: h.admin)
            try await h.work()
            #expect(h.provider.user("new")?["title"]?.text == "Dev")
        }
    }

    @Test func aRuleThatTransformsCannotGoBothWaysAndAnUnknownAttributeIsNamed() async throws {
        let both = AttributeRule(source: "userName", target: "jobTitle", transforms: [.upper], direction: .both)
        #expect(throws: RosterError.self) { try both.validate() }
        let unknown = AttributeRule(source: "nickName", target: "", value: .firstOf(["nickname", "firstname"]))
        #expect(throws: RosterError.self) { try unknown.validate() }
        // A rule saved before directions: two-way without transforms, inbound with them.
        let old = try JSONDecoder().decode(
            AttributeMapping.self,
            from: Data(#"{"rules": [{"source": "title", "target": "jobTitle", "transforms": []},"#.utf8)
                + Data(#"{"source": "userName", "target": "department", "transforms": [{"op": "upper"}]}]}"#.utf8))
        #expect(old.rules.map(\.direction) == [.both, .inbound])
    }
}
