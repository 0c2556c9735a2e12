import Hummingbird
import NIOCore
import RosterCore
import SCIM

/// Every request body is read through this guard, by the handler, after authentication: nothing is
/// buffered for a caller Roster has not identified, a body larger than ``maxBody`` (by its
/// `Content-Length` or as it streams) is refused with 413, and a NUL character (`%00`, `\u0000` or
/// a raw zero byte) in the query or the body is refused with 400. No name, search or password needs
/// one, and PostgreSQL refuses to store one, which would surface as a server error deep inside.
struct BodyGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if (request.uri.query ?? "").lowercased().contains("%00") { throw GuardedBody.refusal }
        if let length = request.headers[.contentLength].flatMap({ CheckedNumber.read($0, in: 0...Int.max) }),
            length > GuardedBody.maxBody
        {
            throw GuardedBody.tooLarge
        }
        var request = request
        request.body = RequestBody(asyncSequence: GuardedBody(base: request.body, limit: GuardedBody.maxBody))
        return try await next(request, context)
    }
}

/// A request body checked as it is read: its size against `limit`, its bytes for NUL characters,
/// including a `%00` or `\u0000` split across two chunks.
struct GuardedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    /// The largest body Roster reads; the routes' own limits are smaller.
    static var maxBody: Int { 4 << 20 }
    let base: RequestBody
    let limit: Int

    static var refusal: RosterError {
        .invalid("the request contains a NUL character, which Roster does not accept")
    }

    static var tooLarge: HTTPError {
        HTTPError(.contentTooLarge, message: "the body is larger than \(maxBody >> 20) MiB, the most Roster reads")
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), limit: limit) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var read = 0
        /// The last bytes of the previous chunk, for an escape split across chunks.
        var tail: [UInt8] = []

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            read += buffer.readableBytes
            if read > limit { throw GuardedBody.tooLarge }
            // Straight over the bytes: this runs on every body Roster reads.
            let (found, last) = buffer.withUnsafeReadableBytes { bytes in
                (Self.hasNul(bytes), Array(bytes.suffix(5)))
            }
            // An escape split across two reads: the end of the one before and the start of this one.
            let seam = tail + buffer.withUnsafeReadableBytes { Array($0.prefix(5)) }
            if found || seam.withUnsafeBytes(Self.hasNul) { throw GuardedBody.refusal }
            tail = last
            return buffer
        }

        /// A zero byte, `%00`, or `\u0000` (any case).
        static func hasNul(_ bytes: UnsafeRawBufferPointer) -> Bool {
            let count = bytes.count
            var index = 0
            while index < count {
                switch bytes[index] {
                case 0: return true
                case UInt8(ascii: "%") where index + 2 < count:
                    if bytes[index + 1] == UInt8(ascii: "0"), bytes[index + 2] == UInt8(ascii: "0") { return true }
                case UInt8(ascii: "\\") where index + 5 < count:
                    if bytes[index + 1] | 0x20 == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "0"),
                        bytes[index + 3] == UInt8(ascii: "0"), bytes[index + 4] == UInt8(ascii: "0"),
                        bytes[index + 5] == UInt8(ascii: "0")
                    {
                        return true
                    }
                default: break
                }
                index += 1
            }
            return false
        }
    }
}
