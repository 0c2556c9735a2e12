import Foundation
import Testing

@testable import SCIM

@Suite struct SCIMPatchTests {
    static let enterprise = SCIMSchema.enterpriseUser

    func json(_ text: String) -> JSONValue { try! JSONParser.parse(Array(text.utf8)) }

    func patched(_ resource: String, _ operations: String) throws -> JSONValue {
        let patch = try SCIMPatch(
            json: json(#"{"schemas": ["\#(SCIMSchema.patchOp)"], "Operations": \#(operations)}"#),
            core: SCIMSchema.user, extensions: [Self.enterprise])
        var value = json(resource)
        try patch.apply(to: &value, extensions: [Self.enterprise])
        return value
    }

    func failure(_ operations: String, _ resource: String = #"{"userName": "a"}"#) -> SCIMProtocolError.Kind? {
        do {
            _ = try patched(resource, operations)
            return nil
        } catch let error as SCIMProtocolError { return error.scimType } catch { return nil }
    }

    @Test func pathsNameAttributesSubAttributesFiltersAndExtensions() throws {
        let path = try SCIMPath(
            parsing: #"emails[type eq "work" and value co "]"].value"#, core: SCIMSchema.user,
            extensions: [Self.enterprise])
        #expect(path.attribute == "emails" && path.subAttribute == "value" && path.filter != nil)
        let department = try SCIMPath(
            parsing: "\(Self.enterprise):department", core: SCIMSchema.user, extensions: [Self.enterprise])
        #expect(department.schema == Self.enterprise && department.attribute == "department")
        let core = try SCIMPath(parsing: "\(SCIMSchema.user):name.givenName", core: SCIMSchema.user, extensions: [])
        #expect(core.schema == nil && core.attribute == "name" && core.subAttribute == "givenName")
        let whole = try SCIMPath(parsing: Self.enterprise, core: SCIMSchema.user, extensions: [Self.enterprise])
        #expect(whole.schema == Self.enterprise && whole.attribute == nil)
    }

    @Test func addAppendsToAListAndKeepsOnePrimary() throws {
        let result = try patched(
            #"{"emails": [{"value": "a@x.org", "primary": true}]}"#,
            #"[{"op": "add", "path": "emails", "value": [{"value": "b@x.org", "primary": true}]}]"#)
        #expect(
            result["emails"]
                == json(#"[{"value": "a@x.org", "primary": false}, {"value": "b@x.org", "primary": true}]"#))
    }

    @Test func replaceWithAFilterSetsTheMatchingValuesAndMakesOneWhenNoneMatches() throws {
        let resource = #"{"emails": [{"value": "a@x.org", "type": "work"}, {"value": "h@x.org", "type": "home"}]}"#
        let replaced = try patched(
            resource, #"[{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x.org"}]"#)
        #expect(replaced["emails"]?.elements.map { $0["value"]?.text } == ["w@x.org", "h@x.org"])
        let made = try patched(
            #"{"userName": "a"}"#, #"[{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@x.org"}]"#
        )
        #expect(made["emails"] == json(#"[{"type": "work", "value": "w@x.org"}]"#))
    }

    @Test func noPathValuesTakeDottedKeysAndTheExtensionURN() throws {
        let result = try patched(
            #"{"name": {"givenName": "A", "familyName": "B"}}"#,
            """
            [{"op": "replace", "value": {"name.givenName": "C", "\(Self.enterprise)": {"department": "R&D"},
              "\(Self.enterprise):costCenter": "42", "active": "False"}}]
            """)
        #expect(result["name"] == json(#"{"givenName": "C", "familyName": "B"}"#))
        #expect(result[Self.enterprise] == json(#"{"department": "R&D", "costCenter": "42"}"#))
        #expect(result["active"]?.bool == false)
    }

    @Test func removeTakesFiltersSubAttributesAndEntraMemberLists() throws {
        let group = #"{"members": [{"value": "1"}, {"value": "2"}, {"value": "3"}]}"#
        let filtered = try patched(group, #"[{"op": "remove", "path": "members[value eq \"2\"]"}]"#)
        #expect(filtered["members"]?.elements.compactMap { $0["value"]?.text } == ["1", "3"])
        let listed = try patched(
            group, #"[{"op": "Remove", "path": "members", "value": [{"value": "1"}, {"value": "3"}]}]"#)
        #expect(listed["members"]?.elements.compactMap { $0["value"]?.text } == ["2"])
        let all = try patched(group, #"[{"op": "remove", "path": "members"}]"#)
        #expect(all["members"] == nil)
        let sub = try patched(#"{"name": {"givenName": "A"}}"#, #"[{"op": "remove", "path": "name.givenName"}]"#)
        #expect(sub["name"] == nil)
    }

    @Test func eachMistakeAnswersItsScimType() {
        #expect(failure(#"[{"op": "remove"}]"#) == .noTarget)
        #expect(failure(#"[{"op": "jump", "path": "title", "value": "x"}]"#) == .invalidSyntax)
        #expect(failure(#"[{"op": "add", "path": "emails[type eq", "value": "x"}]"#) == .invalidPath)
        #expect(failure(#"[{"op": "add", "path": "emails[type eq]", "value": "x"}]"#) == .invalidFilter)
        #expect(failure(#"[{"op": "replace", "path": "id", "value": "x"}]"#) == .mutability)
        #expect(failure(#"[{"op": "add", "path": "title"}]"#) == .invalidValue)
        #expect(failure(#"[{"op": "add", "path": "urn:example:other:title", "value": "x"}]"#) == .invalidPath)
        #expect(
            failure(#"[{"op": "replace", "path": "emails", "value": [{"primary": true}, {"primary": true}]}]"#)
                == .invalidValue)
    }

    @Test func aFailedOperationLeavesTheResourceAsItWas() throws {
        let patch = try SCIMPatch(
            json: json(
                #"{"Operations": [{"op": "replace", "path": "title", "value": "New"},"#
                    + #"{"op": "replace", "path": "meta", "value": 1}]}"#
            ), core: SCIMSchema.user, extensions: [])
        var resource = json(#"{"title": "Old"}"#)
        #expect(throws: SCIMProtocolError.self) { try patch.apply(to: &resource, extensions: []) }
        #expect(resource["title"]?.text == "Old")
    }

    @Test func caseExactAttributesCompareExactly() throws {
        let filter = try SCIMFilter(parsing: #"externalId eq "AbC""#)
        let resource = json(#"{"externalId": "abc"}"#)
        #expect(filter.matches(resource))
        #expect(!filter.matches(resource) { $0.name == "externalId" })
    }
}
