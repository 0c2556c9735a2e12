import Foundation
import Testing

@testable import SCIM

/// Random inputs for the two parsers a stranger feeds: the SCIM filter (from an administrator or
/// an API client) and a page of users (from a service provider). Each must answer every input with
/// a result or an error, never a crash or a hang. `ROSTER_FUZZ_ITERATIONS` sets the size (CI runs
/// a small one; run it with 1000000 to search longer) and `ROSTER_FUZZ_SEED` replays a run.
enum Fuzz {
    static let environment = ProcessInfo.processInfo.environment
    static let iterations = Int(environment["ROSTER_FUZZ_ITERATIONS"] ?? "") ?? 4000
    static let seed = UInt64(environment["ROSTER_FUZZ_SEED"] ?? "") ?? 0x5EED_2026

    /// SplitMix64: the same seed gives the same inputs, so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `text` with a few characters inserted, deleted or replaced by ones the grammar cares about.
    static func mutate(_ text: String, _ rng: inout Generator, alphabet: [Character]) -> String {
        var characters = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = Int.random(in: 0...characters.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: characters.insert(alphabet.randomElement(using: &rng)!, at: at)
            case 1 where at < characters.count: characters.remove(at: at)
            case 2 where at < characters.count: characters[at] = alphabet.randomElement(using: &rng)!
            default: characters.append(alphabet.randomElement(using: &rng)!)
            }
        }
        return String(characters)
    }

    static func randomText(_ rng: inout Generator, length: Int) -> String {
        String(
            String.UnicodeScalarView(
                (0..<length).map { _ in
                    Unicode.Scalar(UInt32.random(in: 0...0x2FF, using: &rng)) ?? "?"
                }))
    }
}

@Suite struct FilterFuzzTests {
    static let valid = [
        #"userName eq "bjensen""#, #"name.familyName co "O'Malley""#, #"userName sw "J""#,
        #"title pr and userType eq "Employee""#, #"title pr or userType eq "Intern""#,
        #"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        #"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        #"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        #"meta.lastModified gt "2011-05-13T04:42:34Z""#, #"active eq true and x le -1.5e3"#,
        #"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a\"b\\c""#,
    ]
    static let pieces = [
        "(", ")", "[", "]", " ", " and ", " or ", "not ", " eq ", " ne ", " co ", " sw ", " ew ", " gt ", " ge ",
        " lt ", " le ", " pr", "userName", "emails", ".", "value", "\"", "\\", "\"x\"", "true", "false", "null", "12",
        "-3.5e9", "1e999", "urn:ietf:params:scim:schemas:core:2.0:User:", "$", "\u{0}", "é", "李", "\n", "\"\\u00",
    ]
    static let alphabet = Array("()[]\" \\.:aeqnotrsw0123456789-+eE李\u{0}")
    static let user = try! JSONDecoderHelper.decode(
        #"{"id":"1","userName":"bjensen","active":true,"x":-1500,"emails":[{"type":"work","value":"bj@example.com"}],"#
            + #""name":{"familyName":"O'Malley"}}"#)

    func check(_ text: String) {
        do {
            let filter = try SCIMFilter(parsing: text)
            _ = filter.matches(Self.user)
        } catch is SCIMFilterError {
        } catch { Issue.record("not a filter error for \(text.debugDescription): \(error)") }
    }

    @Test func theFilterParserAnswersEveryInputWithAFilterOrAReasonNeverACrash() {
        var rng = Fuzz.Generator(state: Fuzz.seed)
        for round in 0..<Fuzz.iterations {
            switch round % 3 {
            case 0:
                check(
                    (0..<Int.random(in: 1...40, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }
                        .joined())
            case 1: check(Fuzz.mutate(Self.valid.randomElement(using: &rng)!, &rng, alphabet: Self.alphabet))
            default: check(Fuzz.randomText(&rng, length: Int.random(in: 0...200, using: &rng)))
            }
        }
    }

    @Test func deepNestingAndLongFiltersAreRefusedNotFollowed() {
        for depth in [63, 64, 65, 1000, 4000] {
            check(String(repeating: "(", count: depth) + #"userName eq "x""# + String(repeating: ")", count: depth))
            check(String(repeating: "not (", count: depth) + "a pr" + String(repeating: ")", count: depth))
            check(String(repeating: "a[", count: depth) + "b pr" + String(repeating: "]", count: depth))
        }
        check(String(repeating: "(", count: 25_000))
        check(Array(repeating: #"a eq "b""#, count: 2000).joined(separator: " or "))
    }
}

@Suite struct PageFuzzTests {
    static let keys = [
        "Resources", "resources", "totalResults", "startIndex", "itemsPerPage", "nextCursor", "id", "userName",
        "emails", "value", "primary", "type", "name", "givenName", "active", "addresses", "phoneNumbers", "meta",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", "schemas", "members",
    ]

    static func json(_ rng: inout Fuzz.Generator, depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 4 ? 6 : 8), using: &rng) {
        case 0: return "null"
        case 1: return Bool.random(using: &rng) ? "true" : "false"
        case 2:
            return ["0", "-0", "1e308", "-1e308", "9223372036854775807", "18446744073709551616", "1.5", "-7"]
                .randomElement(using: &rng)!
        case 3, 4, 5:
            let text = Fuzz.randomText(&rng, length: Int.random(in: 0...12, using: &rng))
            let data = try! JSONEncoder().encode(text)
            return String(decoding: data, as: UTF8.self)
        case 6:
            return "["
                + (0..<Int.random(in: 0...4, using: &rng)).map { _ in json(&rng, depth: depth + 1) }.joined(
                    separator: ",") + "]"
        default:
            return "{"
                + (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                    "\"\(keys.randomElement(using: &rng)!)\":\(json(&rng, depth: depth + 1))"
                }.joined(separator: ",") + "}"
        }
    }

    func list(_ body: String) async {
        let transport = ScriptedTransport([answer(200, body)])
        let client = SCIMClient(
            baseURL: "https://sp.test", authentication: .none, transport: transport,
            configuration: .init(maxRetries: 0, maxListedResources: 1000))
        do {
            for try await users in client.userPages(.init(pageSize: 50), config: .init()) {
                for user in users { _ = (user.id, user.userName, user.emails, user.active, user.enterprise) }
            }
        } catch is SCIMClientError {
        } catch { Issue.record("not a SCIM client error for \(body.prefix(200).debugDescription): \(error)") }
    }

    @Test func aPageOfAnythingIsReadOrRefusedWithAReasonNeverACrash() async {
        var rng = Fuzz.Generator(state: Fuzz.seed)
        let valid = #"{"totalResults":2,"Resources":[{"id":"1","userName":"a","emails":[{"value":"a@x"}]},{"id":2}]}"#
        for round in 0..<(Fuzz.iterations / 4) {
            switch round % 3 {
            case 0: await list(Self.json(&rng, depth: 0))
            case 1: await list(Fuzz.mutate(valid, &rng, alphabet: Array(#"{}[]",:0123456789eE.-ntrufals\"#)))
            default:
                let page = (0..<Int.random(in: 0...5, using: &rng)).map { _ in Self.json(&rng, depth: 2) }
                await list(#"{"Resources":[\#(page.joined(separator: ","))]}"#)
            }
        }
    }

    @Test func deeplyNestedJSONFromAProviderIsRefusedNotFollowed() async {
        for depth in [100, 600, 100_000] {
            await list(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
            await list(
                #"{"Resources":[{"id":"1","name":"# + String(repeating: #"{"a":"#, count: depth) + "1"
                    + String(repeating: "}", count: depth) + "}]}")
        }
    }
}
