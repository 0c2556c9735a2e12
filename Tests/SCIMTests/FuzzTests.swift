import Foundation
import RosterTestSupport
import Synchronization
import Testing

@testable import SCIM

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

    @Test func deepNestingAndLongFiltersAreRefusedNotFollowed() throws {
        func refused(_ text: String) {
            #expect(throws: SCIMFilterError.self, "\(text.prefix(40))…") { try SCIMFilter(parsing: text) }
        }
        // Up to the limit a nested filter is read; past it, refused with a reason.
        for depth in [1, 63] {
            _ = try SCIMFilter(
                parsing: String(repeating: "(", count: depth) + #"userName eq "x""#
                    + String(repeating: ")", count: depth))
        }
        for depth in [65, 1000, 4000] {
            refused(String(repeating: "(", count: depth) + #"userName eq "x""# + String(repeating: ")", count: depth))
            refused(String(repeating: "not (", count: depth) + "a pr" + String(repeating: ")", count: depth))
            refused(String(repeating: "a[", count: depth) + "b pr" + String(repeating: "]", count: depth))
        }
        refused(String(repeating: "(", count: 25_000))
        refused(Array(repeating: #"a eq "b""#, count: 2000).joined(separator: " or "))
        refused(#"userName eq ""# + String(repeating: "x", count: SCIMFilter.limits.length) + #"""#)
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

    /// A provider that lists `count` users in pages of at most 100 (by index, or by cursor when it
    /// says it pages by cursor), with one number field of every page replaced by `value` (nil: left out).
    final class ExtremeProvider: SCIMTransport {
        let field: String
        let value: String?
        let count: Int
        let requests = Mutex(0)
        init(field: String, value: String?, count: Int = 250) {
            self.field = field
            self.value = value
            self.count = count
        }

        func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws
            -> SCIMHTTPResponse
        {
            // A listing that never ends is a failure of its own: no more than a few hundred asks.
            guard
                requests.withLock({
                    $0 += 1
                    return $0
                }) < 300
            else { throw CancellationError() }
            let query = URLComponents(string: request.url)?.queryItems ?? []
            func number(_ name: String) -> Int? { query.first { $0.name == name }?.value.flatMap { Int($0) } }
            let start = max(1, number("startIndex") ?? number("cursor") ?? 1)
            let size = min(100, max(0, number("count") ?? 100))
            let ids = start > count ? [] : Array(start...min(count, start + size - 1))
            let users = ids.map {
                #"{"id":"u\#($0)","userName":"user\#($0)","emails":[{"value":"u\#($0)@x.example"}]}"#
            }
            var fields = [
                "totalResults": String(count), "startIndex": String(start), "itemsPerPage": String(ids.count),
            ]
            if start + ids.count <= count { fields["nextCursor"] = "\"\(start + ids.count)\"" }
            fields[field] = value
            let members =
                fields.map { "\"\($0.key)\":\($0.value)" } + ["\"Resources\":[\(users.joined(separator: ","))]"]
            return SCIMHTTPResponse(status: 200, body: Array(("{" + members.joined(separator: ",") + "}").utf8))
        }
    }

    @Test func extremeNumbersInEveryFieldOfAProvidersPagesListEveryoneOnceOrFailWithAReason() async {
        for field in ["totalResults", "startIndex", "itemsPerPage", "nextCursor"] {
            for value in Fuzz.extremeNumbers.map(Optional.some) + [nil] {
                for cursor in [false, true] {
                    let provider = ExtremeProvider(field: field, value: value)
                    let client = SCIMClient(
                        baseURL: "https://sp.test", authentication: .none, transport: provider,
                        configuration: .init(maxRetries: 0))
                    var config = ServiceProviderConfig()
                    config.cursorPagination = cursor
                    var seen: [String] = []
                    do {
                        for try await users in client.userPages(.init(pageSize: 100), config: config) {
                            seen += users.compactMap(\.id)
                        }
                        // Listed: everyone, once.
                        #expect(
                            seen.sorted() == (1...250).map { "u\($0)" }.sorted(),
                            "\(field)=\(value ?? "missing") cursor=\(cursor): \(seen.count) users")
                    } catch let error as SCIMClientError {
                        // Roster never needs itemsPerPage to list: whatever it holds, the listing is whole.
                        if field == "itemsPerPage" {
                            Issue.record("itemsPerPage=\(value ?? "missing") cursor=\(cursor) failed: \(error)")
                        }
                    } catch {
                        Issue.record(
                            "\(field)=\(value ?? "missing") cursor=\(cursor): not a SCIM client error: \(error)")
                    }
                }
            }
        }
    }
}
