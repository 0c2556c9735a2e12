import Foundation
import Testing

@testable import SCIM

@Suite struct UserPageDecodingTests {
    /// Users as providers send them: every attribute Roster maps, in odd forms, among others it does not.
    static func randomUser(_ generator: inout some RandomNumberGenerator, _ i: Int) -> String {
        func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &generator)] }
        var members: [String] = []
        func add(_ text: String) { if Bool.random(using: &generator) || members.isEmpty { members.append(text) } }
        add(pick([#""id":"u\#(i)""#, #""ID":"u\#(i)""#, #""id":\#(i)"#, #""id":null"#]))
        add(pick([#""userName":"user\#(i)@example.com""#, #""username":"User\#(i)""#, #""userName":42"#]))
        add(
            pick([
                #""name":{"givenName":"Ann","familyName":"Lee \#(i)","formatted":"Ann Lee"}"#,
                #""name":{"GivenName":"Bo","givenName":"Ann","FAMILYNAME":"x"}"#,
                #""name":"Ann Lee""#, #""name":null"#, #""Name":{"middleName":7}"#,
            ]))
        add(
            pick([
                #""emails":[{"value":"a\#(i)@x.org","type":"work","primary":"true"}]"#, #""emails":["b\#(i)@x.org"]"#,
                #""Emails":{"value":"c\#(i)@x.org"}"#, #""emails":[]"#,
                #""emails":[null,5,[1],{"VALUE":"d\#(i)@x.org","Primary":true},{"value":"e@x.org","value":"f@x.org"}]"#,
                #""emails":"g\#(i)@x.org""#,
            ]))
        add(pick([#""active":true"#, #""active":"False""#, #""ACTIVE":1"#]))
        add(#""phoneNumbers":[{"value":"+47 \#(i)","type":"work"}]"#)
        add(
            pick([
                #""addresses":[{"type":"home","locality":"Oslo","poBox":"PO \#(i)"}]"#,
                #""addresses":["Oslo",null,{"Type":"work","COUNTRY":"NO"}]"#, #""addresses":{"region":"Viken"}"#,
            ]))
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:"
        add(
            pick([
                #""\#(enterprise)User":{"department":"R&D","employeeNumber":\#(i)}"#,
                #""\#(enterprise)user":[{"department":"x"}]"#,
            ]))
        add(
            pick([
                #""meta":{"resourceType":"User","version":"W/\"\#(i)\"","created":"2026-01-01T00:00:00Z"}"#,
                #""meta":null"#, #""Meta":{"Version":3}"#,
            ]))
        add(#""schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"x-custom":{"deep":[1,2,{"a":"\u00e9\n"}]}"#)
        add(pick([#""displayName":"Ann \"the\" Lee""#, #""displayName":"\ud83d\ude00""#, #""title":"Engineer""#]))
        add(#""userType":"Employee","externalId":"e\#(i)""#)
        add(#""userName":"second"  "#)
        return "{" + members.shuffled(using: &generator).joined(separator: ",") + "}"
    }

    @Test func usersReadStraightFromAPageAreTheUsersReadFromItsJSON() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var users = (0..<20).map { Self.randomUser(&generator, round * 20 + $0) }
            if round % 10 == 0 { users.append(#""just a string""#) }
            let body =
                Array(
                    #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":999,"#
                        .utf8)
                + Array(#""Resources":[\#(users.joined(separator: ","))],"nextCursor":"c\#(round)"}"#.utf8)
            let typed = try UserPageDecoding.page(body, status: 200, url: "u")
            let tree = try ListResponse(json: try JSONParser.parse(body))
            let expected = tree.resources.map { resource in
                var user = SCIMUser(json: resource)
                user.raw = .null
                return user
            }
            #expect(typed.resources == expected)
            #expect(typed.totalResults == tree.totalResults && typed.nextCursor == tree.nextCursor)
        }
    }

    @Test func aPageThatIsNotJSONOrWhoseResourcesAreAnObjectIsRefusedWithAReason() {
        for body in [#"{"Resources": [{"id": "x", "userName": "#, #"<html>"#, #"{"Resources":[]} trailing"#] {
            #expect(throws: SCIMClientError.self) { try UserPageDecoding.page(Array(body.utf8), status: 200, url: "u") }
        }
        #expect(throws: SCIMClientError.self) {
            try UserPageDecoding.page(Array(#"{"Resources":{"id":"x"}}"#.utf8), status: 200, url: "u")
        }
        let empty = try? UserPageDecoding.page(
            Array(#"{"Resources":null,"totalResults":"7"}"#.utf8), status: 200, url: "u")
        #expect(empty?.resources.isEmpty == true && empty?.totalResults == 7)
    }
}
