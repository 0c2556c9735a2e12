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

@Suite struct SCIMFilterLimitTests {
    @Test func aDeeplyNestedFilterIsRefusedWithAnErrorNotAStackOverflow() {
        // setup
        let deep = String(repeating: "(", count: 25_000) + "userName eq \"a\"" + String(repeating: ")", count: 25_000)
        let nested = String(repeating: "(", count: 65) + "userName eq \"a\"" + String(repeating: ")", count: 65)
        // MUT, validate
        let tooLong = #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: deep) }
        #expect(tooLong?.message.contains("at most 8192") == true)
        let tooDeep = #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: nested) }
        #expect(tooDeep?.message.contains("nested more than 64 levels") == true)
        let notDeep = String(repeating: "not (", count: 70) + "title pr" + String(repeating: ")", count: 70)
        #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: notDeep) }
    }

    @Test func aFilterWithinTheLimitsStillParses() throws {
        let nested = String(repeating: "(", count: 60) + "userName eq \"a\"" + String(repeating: ")", count: 60)
        #expect(try SCIMFilter(parsing: nested).matches(.object(["userName": .string("A")])))
        let many = (0..<200).map { "userName eq \"u\($0)\"" }.joined(separator: " or ")
        #expect(try SCIMFilter(parsing: many).matches(.object(["userName": .string("u199")])))
        let tooMany = (0..<300).map { _ in "title pr" }.joined(separator: " and ")
        #expect(throws: SCIMFilterError.self) { try SCIMFilter(parsing: tooMany) }
    }
}
