import Foundation
import Testing

@testable import SCIM

@Suite struct JSONParserTests {
    /// What JSONDecoder reads, the parser reads the same, and what JSONDecoder refuses, it refuses.
    @Test func theParserReadsWhatJSONDecoderReadsAndRefusesWhatItRefuses() throws {
        let documents = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, #"[]"#, #"{}"#, #"  [1, -2, 3.5, -0.25, 1e3, 2E-2]  "#,
            #""plain""#, #""esc\"aped\\ \/ \b\f\n\r\t \u00e9 \u20ac \ud83d\ude00""#, #"{"ü":"日本"}"#,
            #"12345678901234567"#, #"-9007199254740993"#, #"1.7976931348623157e308"#, #"0"#, #"-0"#,
            #"{"a":1,"a":2}"#, #"{"id":"x","emails":[{"value":"a@b","primary":"true"}]}"#,
        ]
        for text in documents {
            let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(try JSONParser.parse(Array(text.utf8)) == expected, "\(text)")
        }
        let refused = [
            "", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "01", "1.", "1e", "-", "tru", "nul", "[1] x", "\"\\x\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"a\u{1}\"", "{a:1}", "\"unterminated", "[\"\\u12\"]", "+1", ".5",
        ]
        for text in refused {
            #expect(throws: JSONParser.SyntaxError.self, "\(text)") { try JSONParser.parse(Array(text.utf8)) }
        }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedWithoutExhaustingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let allowed = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try JSONParser.parse(Array(allowed.utf8)).elements.count == 1)
    }

    @Test func membersAreFoundIgnoringCaseWithoutMatchingNonLetters() throws {
        let value = try JSONParser.parse(Array(#"{"UserName":"a","x@":1}"#.utf8))
        #expect(value["userName"]?.text == "a")
        #expect(value["X@"] != nil)
        #expect(value["x`"] == nil)  // '`' | 0x20 == '@' | 0x20 would match if non-letters were folded
    }
}

@Suite struct JSONTextTests {
    /// What `jsonText` writes reads back as the same value, and is what `JSONEncoder` with sorted keys
    /// writes (but for the slashes `JSONEncoder` escapes).
    @Test func jsonTextReadsBackAsTheSameValueAndIsWhatJSONEncoderWrites() throws {
        let values: [JSONValue] = [
            .null, .bool(true), .number(42), .number(-1.5), .number(1e20), .string(""),
            .string("quote \" backslash \\ slash / tab \t cr \r lf \n crlf \r\n bell \u{7} nul \u{0}"),
            .string("Zoë Müller 李娜 محمد יעל 👩‍💻 e\u{301}"),
            .array([.number(1), .string("a"), .null, .array([]), .object([:])]),
            .object([
                "b": .object(["z": .bool(false), "a": .array([.string("x\u{1F}")])]), "a": .number(0),
                "Ä": .string("upper"),
            ]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for value in values {
            let text = value.jsonText
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value, "\(text)")
            #expect(text == String(decoding: try encoder.encode(value), as: UTF8.self), "\(text)")
        }
    }
}
