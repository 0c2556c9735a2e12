import Foundation
import Testing

@testable import SCIM

@Suite struct SCIMFilterTests {
    let user = SCIMUser(
        json: try! JSONDecoderHelper.decode(
            """
            {"id": "1", "USERNAME": "bjensen", "name": {"familyName": "Jensen", "givenName": "Barbara"},
             "emails": [{"value": "b@example.com", "type": "work"},
                        {"value": "bj@home.org", "type": "home", "primary": true}],
             "active": true, "meta": {"version": "W/\\"3\\""},
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "employeeNumber": 42}}
            """)
    ).raw

    @Test func attributeNamesAndTextCompareCaseInsensitively() throws {
        #expect(try SCIMFilter(parsing: #"userName eq "BJENSEN""#).matches(user))
        #expect(try SCIMFilter(parsing: #"NAME.familyname sw "jen""#).matches(user))
    }

    @Test func logicalOperatorsFollowRFCPrecedence() throws {
        #expect(try SCIMFilter(parsing: #"userName eq "x" or userName eq "bjensen" and active eq true"#).matches(user))
        #expect(
            try !SCIMFilter(parsing: #"(userName eq "x" or userName eq "bjensen") and active eq false"#).matches(user))
        #expect(try SCIMFilter(parsing: #"not (userName eq "x")"#).matches(user))
    }

    @Test func multiValuedAttributesMatchAnyValue() throws {
        #expect(try SCIMFilter(parsing: #"emails co "home.org""#).matches(user))
        #expect(try SCIMFilter(parsing: #"emails[type eq "work" and value ew "example.com"]"#).matches(user))
        #expect(try !SCIMFilter(parsing: #"emails[type eq "other"]"#).matches(user))
        #expect(try SCIMFilter(parsing: "emails pr").matches(user))
        #expect(try !SCIMFilter(parsing: "title pr").matches(user))
    }

    @Test func extensionAttributesAreReachedByTheirURN() throws {
        #expect(
            try SCIMFilter(parsing: #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d""#)
                .matches(user))
        #expect(
            try SCIMFilter(
                parsing: #"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#
            ).matches(user))
    }

    @Test func malformedFiltersSayWhereAndWhat() {
        #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: "userName eq") }
        do {
            _ = try SCIMFilter(parsing: #"userName is "x""#)
            Issue.record("an unknown operator parsed")
        } catch {
            #expect("\(error)".contains("character 10"))
            #expect("\(error)".contains("\"is\" is not a SCIM operator"))
        }
        #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: #"userName eq "open"#) }
        #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: #"(userName eq "x""#) }
    }

    @Test func sortKeyIsThePrimaryValueOfAMultiValuedAttribute() {
        #expect(SCIMFilter.AttributePath("emails").sortKey(in: user) == "bj@home.org")
        #expect(SCIMFilter.AttributePath("name.familyName").sortKey(in: user) == "jensen")
    }
}

enum JSONDecoderHelper {
    static func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}

@Suite struct SCIMFilterQuoteTests {
    @Test func quotedTextSurvivesTheParserWhateverItHolds() throws {
        for text in [#"plain"#, #"with "quotes""#, #"back\slash"#, "Zoë 李 <img>"] {
            let filter = try SCIMFilter(parsing: "displayName eq \(SCIMFilter.quote(text))")
            #expect(filter == .compare(.init("displayName"), .eq, .string(text)))
        }
    }
}
