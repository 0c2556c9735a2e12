import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct ProvisioningRulesTests {
    let user = DirectoryUser(
        email: "ann.lee@example.com", username: "annlee", firstname: "Ann", lastname: "Lee",
        addresses: [.init(type: "home", locality: "Oslo", poBox: "PO 1")], department: "R&D",
        phoneNumbers: [.init(type: "work", number: "+47 1")], employeeIdentifier: "E1")

    @Test func aProfileValueWithADirectionOverrideOrAControlCharacterIsRefusedNamingIt() throws {
        func profile(_ members: String) throws(UserMapping.Failure) -> UserProfile {
            let json = try! JSONDecoder().decode(JSONValue.self, from: Data("{\"userName\": \"a\", \(members)}".utf8))
            return try UserProfile(SCIMUser(json: json))
        }
        // An address's formatted text keeps its lines; a name in another script keeps its letters.
        #expect(throws: Never.self) {
            _ = try profile(#""nickName": "\u0622\u0646\u0627", "addresses": [{"formatted": "1 Main St\nOslo"}]"#)
        }
        for (members, attribute) in [
            (#""nickName": "Ann\u202Eeil""#, "nickName"),
            (#""emails": [{"value": "a@example.com\u202Emoc.live"}]"#, "emails"),
            (#""name": {"formatted": "Ann\u2066Lee"}"#, "name"),
            (#""title": "x", "locale": "en\u0007US""#, "locale"),
        ] {
            #expect(throws: UserMapping.Failure.self, "\(attribute)") { _ = try profile(members) }
            do { _ = try profile(members) } catch { #expect("\(error)".contains(attribute), "\(error)") }
        }
    }

    @Test func theOutboundUserIsTheMappingTableReadBackwards() {
        let remote = UserMapping.scimUser(user, active: true)
        #expect(remote.userName == "annlee" && remote.active == true)
        #expect(remote.emails == [.init(value: "ann.lee@example.com", type: "work", primary: true)])
        #expect(remote.enterprise?.department == "R&D" && remote.enterprise?.employeeNumber == "E1")
        #expect(remote.phoneNumbers == [.init(value: "+47 1", type: "work")])
        // poBox is not RFC 7643: it is not sent.
        #expect(remote.addresses.first?.poBox == nil && remote.addresses.first?.locality == "Oslo")
        // Read back through the import mapping, the user comes out the same.
        var json = remote.json
        if case .object(var members) = json {
            members["id"] = .string("r1")
            json = .object(members)
        }
        let back = try? UserMapping.map(SCIMUser(json: json), source: .init(type: .import)).get()
        #expect(back?.email == user.email && back?.department == user.department && back?.lastname == "Lee")
    }

    @Test func theOutboundUserCarriesEveryEntryTheProfileKeepsAndTheDirectoryWinsWhereItChanged() throws {
        let sent = """
            {"id": "r1", "userName": "annlee", "emails": [{"value": "ann@home.example", "type": "home"},
              {"value": "ann.lee@example.com", "type": "work"}],
             "phoneNumbers": [{"value": "+47 1", "type": "work"}, {"value": "+47 9", "type": "mobile"}],
             "addresses": [{"type": "home", "locality": "Oslo"}, {"type": "other", "locality": "Bergen"}]}
            """
        var imported = try UserMapping.map(
            SCIMUser(json: try JSONDecoder().decode(JSONValue.self, from: Data(sent.utf8))),
            source: .init(type: .import)
        ).get()
        // As imported: every entry as sent, the directory's email the primary one.
        var remote = UserMapping.scimUser(imported, active: true)
        #expect(remote.emails.map(\.value) == ["ann@home.example", "ann.lee@example.com"])
        #expect(remote.emails.filter(\.primary).map(\.value) == ["ann.lee@example.com"])
        #expect(remote.phoneNumbers.map(\.value) == ["+47 1", "+47 9"])
        #expect(remote.addresses.map(\.locality) == ["Oslo", "Bergen"])
        // The directory changed what it keeps: its entries replace the profile's, the others stay.
        imported.email = "ann.new@example.com"
        imported.phoneNumbers = [.init(type: "work", number: "+47 2")]
        imported.addresses = [.init(type: "work", locality: "Trondheim")]
        remote = UserMapping.scimUser(imported, active: true)
        #expect(remote.emails.map(\.value) == ["ann.new@example.com", "ann@home.example"])
        #expect(remote.emails.filter(\.primary).map(\.value) == ["ann.new@example.com"])
        #expect(remote.phoneNumbers == [.init(value: "+47 2", type: "work"), .init(value: "+47 9", type: "mobile")])
        #expect(remote.addresses.map(\.locality) == ["Trondheim", "Bergen"])
    }

    @Test func passwordsMustBeLongAndNotBreachedOrPersonal() throws {
        #expect(throws: RosterError.self) { try PasswordRules.check("short", for: user) }
        #expect(throws: RosterError.self) { try PasswordRules.check("MyPassword2024!", for: user) }
        #expect(throws: RosterError.self) { try PasswordRules.check("aaaaaaaaaaaaaaa", for: user) }
        #expect(throws: RosterError.self) { try PasswordRules.check("annlee-rocks-2024", for: user) }
        #expect(throws: RosterError.self) { try PasswordRules.check("abcdefghijklmnop", for: user) }
        try PasswordRules.check("violet-harbour-tuesday-42", for: user)
    }
}
