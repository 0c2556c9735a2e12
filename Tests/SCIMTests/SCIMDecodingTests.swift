import Foundation
import Testing

@testable import SCIM

@Suite struct SCIMDecodingTests {
    @Test func toleratesOddCasingNumbersAsTextAndBareEmailLists() throws {
        let user = SCIMUser(
            json: try JSONDecoderHelper.decode(
                """
                {"Id": 17, "userName": "a", "Emails": ["a@example.com"], "ACTIVE": "true",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": 42}}
                """))
        #expect(user.id == "17")
        #expect(user.emails.first?.value == "a@example.com")
        #expect(user.active == true)
        #expect(user.enterprise?.employeeNumber == "42")
    }

    @Test func aNumberTooLargeForAnIntegerIsReadAsTextNeverATrap() throws {
        // Found by FuzzTests: a provider's 1e308 used to crash the process.
        let user = SCIMUser(
            json: try JSONDecoderHelper.decode(#"{"id": 1e308, "userName": 42, "emails": [{"value": -1e19}]}"#))
        #expect(user.id == "1e+308")
        #expect(user.userName == "42")
        #expect(user.emails.first?.value == "-1e+19")
    }

    @Test func listResponseWithoutTotalOrWithLowercaseResourcesStillListsUsers() throws {
        let page = try ListResponse(json: try JSONDecoderHelper.decode(#"{"resources": [{"id": "1"}, {"id": "2"}]}"#))
        #expect(page.totalResults == nil)
        #expect(page.resources.count == 2)
    }

    @Test func aListResponseThatIsNotAnObjectIsRejectedWithAReason() {
        #expect(throws: SCIMClientError.self) { try ListResponse(json: .array([])) }
    }

    @Test func retryAfterIsReadAsSecondsOrAsAnHTTPDate() {
        #expect(SCIMClient.parseRetryAfter("3") == .seconds(3))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let date = formatter.string(from: Date().addingTimeInterval(10))
        let parsed = SCIMClient.parseRetryAfter(date)
        #expect(parsed != nil && parsed! > .seconds(5) && parsed! <= .seconds(11))
        #expect(SCIMClient.parseRetryAfter("soon") == nil)
    }

    @Test func pageSizeRespectsTheSmallestProviderLimit() {
        let config = ServiceProviderConfig(
            json: try! JSONDecoderHelper.decode(
                #"{"filter": {"supported": true, "maxResults": 50}, "pagination": {"cursor": true, "maxPageSize": 40}}"#
            ))
        #expect(config.pageSize(wanted: 100) == 40)
        #expect(config.cursorPagination && config.indexPagination)
        #expect(ServiceProviderConfig().pageSize(wanted: 100) == 100)
    }

    @Test func errorsNameStatusScimTypeDetailAndURL() {
        let error = SCIMClient.error(
            status: 400,
            body: try! JSONDecoderHelper.decode(
                #"{"status": "400", "scimType": "invalidFilter", "detail": "bad filter"}"#), url: "http://sp/Users",
            retried: 0)
        #expect(
            error.description
                == "the service provider rejected the request (HTTP 400, scimType invalidFilter): "
                + "bad filter [http://sp/Users]"
        )
    }

    @Test func outboundUsersCarryTheEnterpriseExtension() throws {
        var user = SCIMUser(userName: "a", emails: [.init(value: "a@example.com", type: "work", primary: true)])
        user.enterprise = .init(department: "Ops")
        let json = user.json
        #expect(json["schemas"]?.elements.count == 2)
        #expect(json[SCIMSchema.enterpriseUser]?["department"]?.text == "Ops")
        #expect(SCIMUser(json: json).emails.first?.primary == true)
    }
}

@Suite struct SCIMWriteModelTests {
    @Test func patchRequestsCarryThePatchOpSchemaAndOperations() {
        let patch = PatchRequest([
            .init(.replace, path: "active", value: .bool(false)), .init(.remove, path: #"members[value eq "1"]"#),
        ])
        let json = patch.json
        #expect(json["schemas"]?.elements.first?.text == SCIMSchema.patchOp)
        #expect(json["Operations"]?.elements.count == 2)
        #expect(json["Operations"]?.elements.first?["op"]?.text == "replace")
        #expect(json["Operations"]?.elements.last?["value"] == nil)
    }

    @Test func groupsRoundTripTheirMembers() {
        let group = SCIMGroup(displayName: "Engineering", members: [.init(value: "u1", display: "Ann")])
        let back = SCIMGroup(json: group.json)
        #expect(back.displayName == "Engineering" && back.members == group.members)
    }
}

@Suite struct UserPatchTests {
    @Test func onlyChangedAttributesArePatchedAndProviderExtrasAreLeftAlone() throws {
        let current = try JSONDecoderHelper.decode(
            """
            {"id": "1", "userName": "ann", "title": "Old", "displayName": "Ann", "meta": {"version": "W/\\"2\\""},
             "emails": [{"value": "a@x.io", "type": "work", "primary": true, "display": "kept"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "R&D", "manager": {"value": "9"}}}
            """)
        var desired = SCIMUser(
            userName: "ann", displayName: "Ann", title: "New",
            emails: [.init(value: "a@x.io", type: "work", primary: true)])
        desired.enterprise = .init(costCenter: "C1")
        let ops = UserPatch.operations(from: current, to: desired.json)
        let summary = ops.map { "\($0.op.rawValue) \($0.path ?? "")" }
        #expect(
            summary == [
                "replace title",
                "replace urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
                "remove urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            ])
    }

    @Test func nothingChangedMeansNoOperations() throws {
        let user = SCIMUser(userName: "ann", name: .init(givenName: "Ann"), active: true)
        #expect(UserPatch.operations(from: user.json, to: user.json).isEmpty)
    }
}
