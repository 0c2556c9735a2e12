import Foundation
import RosterCore
import Testing

@testable import RosterApp

@Suite struct JSONTextTests {
    /// Texts the encoder escapes or leaves alone: quotes, backslashes, slashes, every control
    /// character, non-ASCII, the empty text.
    static let texts: [String?] =
        [nil, "", "plain", "a \"quoted\" \\ back/slash", "名前 ünï 😀", "tab\there\r\nline", "\u{7f}\u{85}"]
        + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) + "x" }

    @Test func aUsersPageIsWrittenByteForByteAsTheEncoderWritesIt() throws {
        var generator = SystemRandomNumberGenerator()
        func text() -> String? { Self.texts.randomElement(using: &generator)! }
        func some() -> String { text() ?? "x" }
        for round in 0..<200 {
            let users = (0..<Int.random(in: 0...4, using: &generator)).map { i in
                DirectoryUser(
                    email: some(), username: some(), firstname: text(), lastname: text(), middlename: text(),
                    displayname: text(),
                    addresses: (0..<Int.random(in: 0...2, using: &generator)).map { _ in
                        .init(
                            type: some(), streetAddress: text(), locality: text(), region: text(), postalCode: text(),
                            country: text(), poBox: text())
                    },
                    jobTitle: text(), department: text(),
                    phoneNumbers: (0..<Int.random(in: 0...2, using: &generator)).map { _ in
                        .init(type: some(), number: some())
                    },
                    costCenter: text(), employeeType: text(), employeeIdentifier: text(), organization: text(),
                    state: DirectoryUser.State.allCases.randomElement(using: &generator)!,
                    source: .init(
                        type: .import, applicationId: Bool.random(using: &generator) ? UUID() : nil,
                        importJobId: Bool.random(using: &generator) ? UUID() : nil),
                    created: Date(timeIntervalSince1970: Double(round * 1_000 + i) + 0.125),
                    updated: Date(timeIntervalSince1970: 1_800_000_000))
            }
            let page = UsersPageJSON(
                users: users.map(UserJSON.init), nextCursor: round.isMultiple(of: 2) ? nil : some())
            #expect(page.jsonText == Array(try RosterJSON.encoder().encode(page)))
            for user in page.users { #expect(user.jsonText == Array(try RosterJSON.encoder().encode(user))) }
        }
    }
}
