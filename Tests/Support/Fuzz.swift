import Foundation

/// Random inputs for what a stranger feeds Roster: filters, pages of users from a provider, cursors
/// and numbers from a client. Each must be answered with a result or an error, never a crash or a
/// hang. `ROSTER_FUZZ_ITERATIONS` sets the size (CI runs
/// a small one; run it with 1000000 to search longer) and `ROSTER_FUZZ_SEED` replays a run.
public enum Fuzz {
    static let environment = ProcessInfo.processInfo.environment
    public static let iterations = Int(environment["ROSTER_FUZZ_ITERATIONS"] ?? "") ?? 4000
    public static let seed = UInt64(environment["ROSTER_FUZZ_SEED"] ?? "") ?? 0x5EED_2026

    /// What a number field of a request, a cursor or a provider's page may hold instead of a small
    /// whole number, as JSON text: Int's bounds and one past them, negative, fractional, huge, text,
    /// null, other types. (A field left out is the other case the tests try.)
    public static let extremeNumbers = [
        "-9223372036854775808", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "-1", "0",
        "1.5", "-0.5", "1e30", "-1e308", "\"many\"", "\"9223372036854775807\"", "null", "true", "[]", "{}",
    ]

    /// SplitMix64: the same seed gives the same inputs, so a failure can be replayed.
    public struct Generator: RandomNumberGenerator {
        public var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `text` with a few characters inserted, deleted or replaced by ones the grammar cares about.
    public static func mutate(_ text: String, _ rng: inout Generator, alphabet: [Character]) -> String {
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

    public static func randomText(_ rng: inout Generator, length: Int) -> String {
        String(
            String.UnicodeScalarView(
                (0..<length).map { _ in
                    Unicode.Scalar(UInt32.random(in: 0...0x2FF, using: &rng)) ?? "?"
                }))
    }
}
