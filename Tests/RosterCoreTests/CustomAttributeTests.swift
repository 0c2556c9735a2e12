import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct CustomAttributeTests {
    static func attribute(_ name: String, _ type: CustomAttribute.Kind) -> CustomAttribute {
        CustomAttribute(name: name, type: type, declaredAt: Date())
    }
    static let declared = CustomAttributes([
        attribute("badge", .number), attribute("site", .string), attribute("contractor", .boolean),
        attribute("startDate", .date),
    ])

    @Test func eachTypeReadsItsValuesAndRefusesOthersSayingWhy() throws {
        let badge = Self.attribute("badge", .number), flag = Self.attribute("f", .boolean)
        let day = Self.attribute("d", .date)
        #expect(try badge.parse(" 42 ") == .number(42))
        #expect(try badge.parse("-3.5") == .number(-3.5))
        #expect(throws: RosterError.self) { try badge.parse("12 apples") }
        #expect(throws: RosterError.self) { try badge.parse("inf") }
        #expect(try flag.parse("Yes") == .boolean(true))
        #expect(try flag.parse("0") == .boolean(false))
        #expect(throws: RosterError.self) { try flag.parse("maybe") }
        #expect(try day.parse("2026-05-01") == .text("2026-05-01"))
        // A time is kept as its day in UTC.
        #expect(try day.parse("2026-02-03T23:30:00-02:00") == .text("2026-02-04"))
        for wrong in ["2026-02-30", "01/05/2026", "2026-13-01", "tomorrow"] {
            #expect(throws: RosterError.self) { try day.parse(wrong) }
        }
        #expect(CustomValue.number(7).text == "7" && CustomValue.number(0.5).text == "0.5")
    }

    @Test func aUserSetsDeclaredAttributesByNameInAnyCaseAndRefusesUndeclaredOnes() throws {
        var user = DirectoryUser(email: "a@example.com", username: "a")
        try user.set("BADGE", to: "12", attributes: Self.declared)
        try user.set("contractor", to: "true", attributes: Self.declared)
        #expect(user.custom == ["badge": .number(12), "contractor": .boolean(true)])
        #expect(user.value(of: "Badge") == "12")
        try user.set("badge", to: nil, attributes: Self.declared)
        #expect(user.custom["badge"] == nil)
        #expect(throws: RosterError.self) { try user.set("shoeSize", to: "42", attributes: Self.declared) }
        #expect(throws: RosterError.self) { try user.set("badge", to: "twelve", attributes: Self.declared) }
    }

    @Test func filtersAreReadAgainstTheDeclarationsAndMatchAsTheyRead() throws {
        var user = DirectoryUser(email: "a@example.com", username: "a")
        try user.set("badge", to: "120", attributes: Self.declared)
        try user.set("site", to: "Paris Nord", attributes: Self.declared)
        try user.set("startDate", to: "2026-03-01", attributes: Self.declared)
        let holds: [(String, Bool)] = [
            ("badge ge 100", true), ("badge lt 100", false), ("badge ne 7", true), ("site eq \"paris nord\"", true),
            ("site sw par", true), ("site co nord", true), ("site co sud", false), ("startDate lt 2026-04-01", true),
            ("contractor pr", false), ("contractor ne true", true), ("badge pr", true),
        ]
        for (text, expected) in holds {
            #expect(try UserFilter(parsing: text, attributes: Self.declared).matches(user) == expected, "\(text)")
        }
        for wrong in ["badge", "badge between 1", "badge co 1", "contractor gt true", "badge ge x", "shoe eq 1"] {
            #expect(throws: RosterError.self) { try UserFilter(parsing: wrong, attributes: Self.declared) }
        }
    }

    @Test func declaringRefusesBadNamesTheDirectorysOwnAndASecondDeclarationInAnyCase() async throws {
        try await Harness.run { h in
            let service = h.domain.attributes
            _ = try await service.declare(name: "badgeNumber", type: "number", description: "Door", by: h.admin)
            for (name, words) in [
                ("BadgeNumber", "declared already"), ("email", "directory's own"),
                ("Department", "directory's own"), ("9lives", "cannot name"), ("a-b", "cannot name"),
            ] {
                do {
                    _ = try await service.declare(name: name, type: "string", description: nil, by: h.admin)
                    Issue.record("\(name) was declared")
                } catch let error as RosterError { #expect(error.description.contains(words), "\(name): \(error)") }
            }
            #expect(try await service.list(by: h.admin).map(\.name) == ["badgeNumber"])
            #expect(try await h.events().contains { $0.type == .customAttributeDeclare })
        }
    }

    @Test func removingIsRefusedWhileAMappingFillsItOrUsersHoldValuesUnlessForced() async throws {
        try await Harness.run { h in
            _ = h.provider.addUser("ada", email: "ada@example.com", extra: ["userType": .string("7")])
            try await h.application()
            _ = try await h.domain.attributes.declare(name: "level", type: "number", description: nil, by: h.admin)
            _ = try await h.domain.mappings.set(
                application: "App",
                mapping: AttributeMapping(rules: [AttributeRule(source: "userType", target: "level")]),
                by: h.admin)
            _ = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            #expect(try await h.users().first?.custom == ["level": .number(7)])
            await #expect(throws: RosterError.self) {
                try await h.domain.attributes.remove(name: "level", force: true, by: h.admin)
            }
            _ = try await h.domain.mappings.set(application: "App", mapping: AttributeMapping(), by: h.admin)
            await #expect(throws: RosterError.self) {
                try await h.domain.attributes.remove(name: "level", force: false, by: h.admin)
            }
            let before = try #require(try await h.users().first?.version)
            #expect(try await h.domain.attributes.remove(name: "level", force: true, by: h.admin) == 1)
            #expect(try await h.users().first?.custom == [:])
            #expect(try await h.users().first?.version == before + 1, "a cleared value is a new version (its ETag)")
            #expect(try await h.events().contains { $0.type == .customAttributeRemove })
        }
    }

    /// A number goes back as a number where the provider's schema does not say text (a vendor's
    /// extension), and as text where it does (the enterprise `employeeNumber` is a string).
    @Test func aTypedCustomValueIsImportedAndProvisionedBackAsItsType() async throws {
        try await Harness.run { h in
            let enterprise = AttributeMappingImportTests.enterprise
            let acme = "urn:example:params:scim:schemas:extension:acme:2.0:User"
            _ = h.provider.addUser(
                "ada", email: "ada@example.com",
                extra: [
                    "schemas": .array([.string(SCIMSchema.user), .string(enterprise), .string(acme)]),
                    enterprise: .object(["employeeNumber": .string("0042")]), acme: .object(["level": .number(3)]),
                ])
            try await h.application()
            _ = try await h.domain.attributes.declare(name: "badge", type: "number", description: nil, by: h.admin)
            _ = try await h.domain.attributes.declare(name: "level", type: "number", description: nil, by: h.admin)
            let rules = AttributeMapping(rules: [
                AttributeRule(source: "\(enterprise):employeeNumber", target: "badge"),
                AttributeRule(source: "\(acme):level", target: "level"),
            ])
            _ = try await h.domain.mappings.set(application: "App", mapping: rules, by: h.admin)
            _ = try await h.domain.imports.start(application: "App", selection: .all, by: h.admin)
            #expect(try await h.users().first?.custom == ["badge": .number(42), "level": .number(3)])
            _ = try await h.domain.directory.update(
                email: "ada@example.com", attributes: ["badge": "43", "level": "4"], by: .system)
            try await h.bindStaff(["ada@example.com"])
            try await h.work()
            let remote = try #require(h.provider.user("ada"))
            let log = try await h.log()
            #expect(log.allSatisfy { $0.outcome == .succeeded })
            #expect(remote[enterprise]?["employeeNumber"] == .string("43"))
            #expect(remote[acme]?["level"] == .number(4))
        }
    }
}
