import Foundation
import RosterTestSupport
import SCIM
import Testing

@testable import RosterCore

/// Every number a SCIM client sends the service (in a cursor, `startIndex`, `count`, a search body)
/// at its extremes and at random: answered with a page or a 400, never a trap (Swift stops the
/// process on an overflow). `ROSTER_FUZZ_ITERATIONS` sets the size.
@Suite struct SCIMNumberFuzzTests {
    static let all = (0..<250).map { JSONValue.object(["id": .string("u\($0)")]) }

    static func token(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The page `parameters` ask for, checked against what any page may be; nil when refused.
    @discardableResult
    func page(_ parameters: [String: String]) -> SCIMList? {
        let query: SCIMListQuery
        do { query = try SCIMListQuery(parameters: parameters) } catch is SCIMProtocolError {
            return nil
        } catch is RosterError {
            return nil
        } catch {
            Issue.record("not a 400 for \(parameters): \(error)")
            return nil
        }
        let list = SCIMList(all: Self.all, query: query)
        #expect(list.resources.count <= query.count && list.resources.count <= SCIMListQuery.maxResults)
        #expect(list.startIndex >= 1 && list.total == Self.all.count)
        if let next = list.nextCursor {
            #expect((try? SCIMCursor(token: next)) != nil, "a cursor Roster gave is one it takes back")
        }
        return list
    }

    @Test func extremeNumbersInCursorsAndIndexesGiveAPageOrA400() {
        let numbers =
            Fuzz.extremeNumbers.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } + [
                "", " ", "+1", "--1", "1_000", "0x10", "١٢٣", "99999999999999999999999999999999999999",
            ]
        for number in numbers {
            page(["startIndex": number])
            page(["count": number])
            page(["startIndex": number, "count": number])
            for cursor in ["p:\(number)", "k:\(number):a@example.com", "k:\(number):", "p:\(number):x", number] {
                page(["cursor": Self.token(cursor)])
                page(["cursor": Self.token(cursor), "count": number])
            }
        }
        // The last position a cursor may carry reads an empty page; one past it is refused.
        #expect(page(["cursor": Self.token("p:\(SCIMCursor.maxPosition)")])?.resources.isEmpty == true)
        #expect(page(["cursor": Self.token("p:\(SCIMCursor.maxPosition + 1)")]) == nil)
        #expect(page(["cursor": Self.token("p:9223372036854775807")]) == nil)
    }

    @Test func randomCursorsAndSearchBodiesGiveAPageOrA400() throws {
        var rng = Fuzz.Generator(state: Fuzz.seed)
        for round in 0..<Fuzz.iterations {
            switch round % 3 {
            case 0:
                let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng)
                }
                page(["cursor": Data(bytes).base64EncodedString()])
            case 1:
                let prefix = ["p:", "k:", "k:1:", "p:-", "k:-1:"].randomElement(using: &rng)!
                page(["cursor": Self.token(prefix + Fuzz.randomText(&rng, length: Int.random(in: 0...30, using: &rng)))]
                )
            default:
                let start = Fuzz.extremeNumbers.randomElement(using: &rng)!
                let count = Fuzz.extremeNumbers.randomElement(using: &rng)!
                let body = try JSONParser.parse(Array(#"{"startIndex":\#(start),"count":\#(count)}"#.utf8))
                do {
                    let query = try SCIMListQuery(searchRequest: body)
                    let list = SCIMList(all: Self.all, query: query)
                    #expect(list.resources.count <= query.count)
                } catch is SCIMProtocolError {}
            }
        }
    }
}
