import Foundation
import SCIM

/// An RFC 9865 cursor: after a user in the order of creation, then email (the keyset of an unfiltered list,
/// the same cost at any depth), or a position in a filtered or sorted answer. Opaque to clients;
/// it never expires.
public enum SCIMCursor: Sendable, Equatable {
    case first
    /// After the user created then with this email (lower-cased): the order of an index.
    case after(created: Date, email: String)
    case position(Int)

    /// The furthest a position cursor reaches into an answer (no answer holds more): a cursor a
    /// client made up past it is refused, never read into arithmetic that overflows.
    static let maxPosition = 100_000_000
    /// Creation times a keyset cursor may carry: the years 1970 to 9999, in milliseconds.
    static let millisRange = 0...253_402_300_799_999

    /// The empty token asks for the first page.
    public init(token: String) throws {
        guard !token.isEmpty else {
            self = .first
            return
        }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let parts = Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }?.split(
            separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        switch parts?.first {
        case "k" where parts?.count == 3:
            if let millis = CheckedNumber.read(parts![1], in: Self.millisRange), !parts![2].isEmpty {
                self = .after(created: Date(timeIntervalSince1970: Double(millis) / 1000), email: String(parts![2]))
                return
            }
        case "p" where parts?.count == 2:
            if let position = CheckedNumber.read(parts![1], in: 0...Self.maxPosition) {
                self = .position(position)
                return
            }
        default: break
        }
        throw SCIMProtocolError.badRequest(.invalidCursor, "the cursor \"\(token)\" is not one Roster gave")
    }

    public var token: String {
        let text =
            switch self {
            case .first: ""
            // bounded: a stored creation time, in milliseconds
            case .after(let created, let email): "k:\(Int64((created.timeIntervalSince1970 * 1000).rounded())):\(email)"
            case .position(let position): "p:\(position)"
            }
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Where in a whole answer the page starts.
    var position: Int {
        if case .position(let position) = self { return position }
        return 0
    }
}
