import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct UserMappingTests {
    let source = DirectoryUser.Source(type: .import, applicationId: UUID())

    func map(_ json: String) throws -> Result<DirectoryUser, UserMapping.Failure> {
        UserMapping.map(SCIMUser(json: try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))), source: source)
    }

    @Test func emailIsThePrimaryElseWorkElseFirstElseAnEmailUserName() throws {
        #expect(
            try map(#"{"id":"1","userName":"u","emails":[{"value":"a@x.io"},{"value":"b@x.io","primary":true}]}"#).get()
                .email == "b@x.io")
        #expect(
            try map(
                #"{"id":"1","userName":"u","emails":[{"value":"a@x.io","type":"home"},"#
                    + #"{"value":"w@x.io","type":"work"}]}"#
            ).get().email == "w@x.io")
        #expect(
            try map(#"{"id":"1","userName":"u","emails":[{"value":"a@x.io"},{"value":"b@x.io"}]}"#).get().email
                == "a@x.io")
        #expect(try map(#"{"id":"1","userName":"me@x.io"}"#).get().email == "me@x.io")
    }

    @Test func aUserWithoutUsableEmailIsRefusedWithAReason() throws {
        #expect(try map(#"{"id":"1","userName":"nobody"}"#) == .failure(.noUsableEmail))
        #expect(
            try map(#"{"id":"1","userName":"u","emails":[{"value":"not an email"}]}"#)
                == .failure(.invalidEmail("not an email")))
        #expect(try map(#"{"userName":"a@x.io"}"#) == .failure(.noRemoteId))
    }

    @Test func onlyWorkAndHomeAddressesAndPhonesAreKeptWithEveryField() throws {
        let user = try map(
            """
            {"id":"1","userName":"a@x.io",
             "phoneNumbers":[{"value":"1","type":"Work"},{"value":"2","type":"mobile"},{"value":"3","type":"home"}],
             "addresses":[{"type":"home","streetAddress":"s","locality":"l","region":"r","postalCode":"p","country":"c",
                           "poBox":"b"},
                          {"type":"other","country":"x"}]}
            """
        ).get()
        #expect(user.phoneNumbers == [.init(type: "work", number: "1"), .init(type: "home", number: "3")])
        #expect(
            user.addresses == [
                .init(
                    type: "home", streetAddress: "s", locality: "l", region: "r", postalCode: "p", country: "c",
                    poBox: "b")
            ])
    }

    @Test func textIsKeptExactlyAsSent() throws {
        let user = try map(
            #"{"id":"1","userName":"a@x.io","displayName":"<img src=x onerror=alert(1)> Zoë 李","#
                + #""title":"  padded  "}"#
        ).get()
        #expect(user.displayname == "<img src=x onerror=alert(1)> Zoë 李")
        #expect(user.jobTitle == "  padded  ")
    }

    @Test func overlongAndNulValuesAreRefusedNamingTheAttribute() throws {
        let long = String(repeating: "x", count: UserMapping.maxLength + 1)
        guard case .failure(let failure) = try map(#"{"id":"1","userName":"a@x.io","title":"\#(long)"}"#) else {
            Issue.record("an overlong title was accepted")
            return
        }
        #expect(failure.description.hasPrefix("title is longer than"))
        guard case .failure(let nul) = try map(#"{"id":"1","userName":"a@x.io","displayName":"a\u0000b"}"#) else {
            Issue.record("a NUL was accepted")
            return
        }
        #expect(nul.description == "displayName contains a NUL character")
    }

    @Test func importResultsCSVQuotesAndDefusesFormulas() {
        let csv = ImportResult.csv([
            ImportResult(remoteId: "1", userName: "=cmd()", outcome: .failed, reason: "a, \"b\"")
        ])
        #expect(csv.contains("1,'=cmd(),failed,,\"a, \"\"b\"\"\""))
        // A spreadsheet skips a leading TAB or CR to find a formula: those are defused too.
        #expect(CSV.field("\t=1+1") == "'\t=1+1")
        #expect(CSV.field("\r=1+1") == "\"'\r=1+1\"")
        #expect(CSV.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSV.field("plain") == "plain")
        // A lone line break is quoted: the row stays one row.
        #expect(CSV.field("a\nb") == "\"a\nb\"")
        #expect(CSV.field("a\rb") == "\"a\rb\"")
    }
}
