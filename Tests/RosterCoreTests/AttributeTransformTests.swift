import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct AttributeTransformTests {
    static let user: JSONValue = try! JSONParser.parse(
        Array(
            #"""
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "id": "u1", "userName": " Ada.Lovelace ",
             "emails": [{"value": "ada@home.example", "type": "home"}, {"value": "ada@work.example", "type": "work"}],
             "name": {"givenName": "Ada"},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
               {"manager": {"value": "m-7", "displayName": "Charles"}, "costCenter": null}}
            """#.utf8))

    func values(_ path: String) throws -> [String] {
        let parsed = try SCIMPath(
            parsing: path, core: SCIMSchema.user, extensions: [SCIMSchema.enterpriseUser])
        return parsed.values(in: Self.user).compactMap(\.text)
    }

    @Test(.timeLimit(.minutes(1)))
    func aPatternThatBacktracksWithoutEndIsStoppedWithinItsBudgetAndSaysWhy() throws {
        // (a+)+$ on 32 a's and a mismatch: about 2^32 steps unbounded; stopped after 100 ms.
        let transform = AttributeTransform.replace(pattern: "(a+)+$", with: "x")
        #expect(throws: RosterError.self) { try transform.apply([String(repeating: "a", count: 32) + "!"]) }
        do { _ = try transform.apply([String(repeating: "a", count: 32) + "!"]) } catch let error as RosterError {
            #expect(error.description.contains("took longer than"))
        }
        // The same pattern on an ordinary value is an ordinary replacement.
        #expect(try transform.apply(["baaa"]) == ["bx"])
    }

    @Test func aPathReadsValueFiltersExtensionsAndSubAttributes() throws {
        #expect(try values(#"emails[type eq "work"].value"#) == ["ada@work.example"])
        #expect(try values("emails.value") == ["ada@home.example", "ada@work.example"])
        #expect(try values("name.givenName") == ["Ada"])
        #expect(try values("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value") == ["m-7"])
        #expect(try values("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter").isEmpty)
        #expect(try values("title").isEmpty)
    }

    @Test func eachTransformDoesOneThing() throws {
        #expect(try AttributeTransform.trim.apply([" a "]) == ["a"])
        #expect(try AttributeTransform.lower.apply(["Ada"]) == ["ada"])
        #expect(try AttributeTransform.upper.apply(["Ada"]) == ["ADA"])
        #expect(try AttributeTransform.defaultValue("none").apply([]) == ["none"])
        #expect(try AttributeTransform.defaultValue("none").apply([""]) == ["none"])
        #expect(try AttributeTransform.defaultValue("none").apply(["x"]) == ["x"])
        #expect(try AttributeTransform.replace(pattern: "^(\\w+)@.*$", with: "$1").apply(["ada@x.test"]) == ["ada"])
        #expect(try AttributeTransform.join(separator: ", ").apply(["a", "b"]) == ["a, b"])
        #expect(try AttributeTransform.split(separator: "-", index: nil).apply(["a-b"]) == ["a", "b"])
        #expect(try AttributeTransform.split(separator: "-", index: -1).apply(["a-b-c"]) == ["c"])
        #expect(try AttributeTransform.split(separator: "-", index: 5).apply(["a-b"]) == [])
        let table = AttributeTransform.map(table: ["FT": "Full time"], otherwise: nil)
        #expect(try table.apply(["FT", "PT"]) == ["Full time", "PT"])
        #expect(try AttributeTransform.map(table: [:], otherwise: "other").apply(["PT"]) == ["other"])
    }

    @Test func aBadTransformIsRefusedWithWhatIsWrong() throws {
        #expect(throws: RosterError.invalid("\"([\" is not a regular expression")) {
            try AttributeTransform.replace(pattern: "([", with: "").validate()
        }
        #expect(throws: RosterError.self) { try AttributeTransform.split(separator: "", index: nil).validate() }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AttributeTransform.self, from: Data(#"{"op":"reverse"}"#.utf8))
        }
    }

    @Test func transformsRoundTripThroughTheirJSON() throws {
        let all: [AttributeTransform] = [
            .trim, .lower, .upper, .defaultValue("x"), .replace(pattern: "a", with: "b"), .join(separator: ","),
            .split(separator: ",", index: 1), .split(separator: ",", index: nil),
            .map(table: ["a": "b"], otherwise: "c"),
        ]
        let data = try JSONEncoder().encode(all)
        #expect(try JSONDecoder().decode([AttributeTransform].self, from: data) == all)
    }
}

@Suite struct AttributeMappingTests {
    @Test func rulesFillDirectoryAttributesFromPathsThroughTransformsAndSayWhichRuleDidIt() throws {
        let mapping = AttributeMapping(rules: [
            AttributeRule(
                source: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
                target: "organization", transforms: [.upper]),
            AttributeRule(
                source: #"emails[type eq "work"].value"#, target: "employeeIdentifier",
                transforms: [.replace(pattern: "@.*$", with: ""), .defaultValue("none")]),
            AttributeRule(source: "userName", target: "displayname", transforms: [.trim, .lower]),
            AttributeRule(source: "nickName", target: "jobTitle", transforms: [.defaultValue("Staff")]),
        ])
        var user = DirectoryUser(email: "ada@work.example", username: "ada")
        let produced = try mapping.apply(to: &user, from: AttributeTransformTests.user)
        #expect(user.organization == "CHARLES" && user.employeeIdentifier == "ada")
        #expect(user.displayname == "ada.lovelace" && user.jobTitle == "Staff")
        #expect(produced["jobTitle"]?.source == "nickName")
    }

    @Test func aRuleThatCannotWorkIsRefusedBeforeAnyUser() {
        #expect(throws: RosterError.self) {
            try AttributeRule(source: "emails[type eq", target: "department").validate()
        }
        #expect(throws: RosterError.self) { try AttributeRule(source: "title", target: "salary").validate() }
        #expect(throws: RosterError.self) {
            try AttributeRule(source: "title", target: "jobTitle", transforms: [.replace(pattern: "(", with: "")])
                .validate()
        }
    }
}
