import Foundation
import RosterCore
import SCIM
import Testing

@testable import RosterApp

@Suite struct JSONTextTests {
    /// A profile of random emails, numbers, manager and texts, or none.
    func profile(_ generator: inout SystemRandomNumberGenerator, some any: () -> String) throws -> UserProfile {
        guard Bool.random(using: &generator) else { return UserProfile() }
        // A profile refuses control characters but line breaks and tabs, as names do (the other
        // attributes of the page carry every one).
        func some() -> String {
            String(
                String.UnicodeScalarView(
                    any().unicodeScalars.filter {
                        $0.properties.generalCategory != .control || ["\t", "\n", "\r"].contains($0)
                    }))
        }
        func entries(_ count: Int) -> JSONValue {
            .array(
                (0..<count).map { i in
                    .object(
                        ["value": .string(some()), "type": .string(some())]
                            .merging(i == 0 ? ["primary": .bool(true)] : [:]) { a, _ in a })
                })
        }
        let sent: [String: JSONValue] = [
            "userName": .string("x"), "emails": entries(2), "phoneNumbers": entries(3),
            "preferredLanguage": .string(some()), "timezone": .string(some()), "nickName": .string(some()),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": .object([
                "division": .string(some()), "manager": .object(["value": .string(some())]),
            ]),
        ]
        return try UserProfile(SCIMUser(json: .object(sent)))
    }

    /// Texts the encoder escapes or leaves alone: quotes, backslashes, slashes, every control
    /// character, non-ASCII, the empty text.
    static let texts: [String?] =
        [nil, "", "plain", "a \"quoted\" \\ back/slash", "名前 ünï 😀", "tab\there\r\nline", "\u{7f}\u{85}"]
        + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) + "x" }

    /// Custom values of each kind, numbers the encoder writes whole and in exponent form among them.
    static let customValues: [CustomValue] =
        [.boolean(true), .boolean(false), .text("2026-05-01"), .text("a \"b\" /c")]
        + [12, 0, -0.0, 0.1, -0.25, 3.5, 1234567.125, 1e15, 1e16, 9_007_199_254_740_992, 1e20, 5e-324, -1.5e300]
        .map(CustomValue.number)

    @Test func aUsersPageIsWrittenByteForByteAsTheEncoderWritesIt() throws {
        var generator = SystemRandomNumberGenerator()
        func text() -> String? { Self.texts.randomElement(using: &generator)! }
        func some() -> String { text() ?? "x" }
        for round in 0..<200 {
            let users = try (0..<Int.random(in: 0...4, using: &generator)).map { i in
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
                    updated: Date(timeIntervalSince1970: 1_800_000_000),
                    custom: Dictionary(
                        (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                            (some(), Self.customValues.randomElement(using: &generator)!)
                        }, uniquingKeysWith: { first, _ in first }),
                    profile: try profile(&generator, some: some))
            }
            let page = UsersPageJSON(
                users: users.map(UserJSON.init), nextCursor: round.isMultiple(of: 2) ? nil : some())
            #expect(page.jsonText == Array(try RosterJSON.encoder().encode(page)))
            for user in page.users { #expect(user.jsonText == Array(try RosterJSON.encoder().encode(user))) }
        }
    }
}
