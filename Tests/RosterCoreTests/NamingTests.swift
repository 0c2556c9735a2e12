import Foundation
import Testing

@testable import RosterCore

@Suite struct NamingTests {
    @Test func namesAreTrimmedBoundedFreeOfControlCharactersAndNeverIds() throws {
        #expect(try Naming.name("  Slack  ", of: "an application") == "Slack")
        #expect(try Naming.name("Zoë 李", of: "a group") == "Zoë 李")
        for bad in [
            "", "   ", String(repeating: "x", count: 201), "a\u{0}b", "tab\there", "\u{7f}", "a\u{85}b",
            "0b5e2c6a-1f1e-4c1a-9a57-3c1d2e4f5a6b",
        ] {
            #expect(throws: RosterError.self, "\(bad.debugDescription) was accepted") {
                _ = try Naming.name(bad, of: "a group")
            }
        }
    }

    @Test func anEmailAddressWithAControlCharacterIsNotOne() {
        #expect(UserMapping.isEmailAddress("ann@example.com"))
        #expect(!UserMapping.isEmailAddress("ann\u{0}@example.com"))
        #expect(!UserMapping.isEmailAddress("ann@exa\u{1b}mple.com"))
    }

    @Test func anEmailAddressHasOneAtALocalPartADottedDomainAndNoSpaces() {
        for good in ["a@b.c", "ann.lee+x@example.co.uk", "josé@exämple.com", "名前@例え.jp"] {
            #expect(UserMapping.isEmailAddress(good), "\(good) was refused")
        }
        let long = String(repeating: "a", count: 243) + "@example.com"
        for bad in [
            "", "@example.com", "ann@", "ann@example", "ann@.example.com", "ann@example.com.", "a@b@c.com",
            "ann @example.com", "ann@example.com\n", "<ann@example.com>", "ann,bo@example.com",
            "ann\u{2003}x@example.com", "ann\u{85}@example.com", long,
        ] {
            #expect(!UserMapping.isEmailAddress(bad), "\(bad.debugDescription) was accepted")
        }
        #expect(UserMapping.isEmailAddress(String(long.dropFirst())))
    }
}
