import NIOCore
import NIOSSL
import RosterCore

/// Keeps STARTTLS (RFC 3207) from reading plaintext that a man in the middle added (§5). It sits in
/// front of the connection from the start and counts the plaintext bytes it passes on. Armed when
/// Roster sends STARTTLS, it reads the server's answer itself and, when it is 220, puts TLS in front
/// at once, on the event loop, before any later byte is read: nothing after the answer can arrive as
/// plaintext. `upgraded` then gives the number of plaintext bytes there were in all: the session
/// checks it read exactly those (any more were queued unread, so added by someone, and it stops).
/// Bytes after the answer in the same read are refused here.
final class StartTLSGuard: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The longest answer to STARTTLS it reads.
    static let maxReply = 4096

    private let makeTLS: @Sendable () throws -> NIOSSLClientHandler
    // Touched on the channel's event loop only.
    private var passed = 0
    private var armed = false
    private var reply = ByteBuffer()
    private var settled = false
    /// Succeeds with the plaintext byte count once TLS is in front; fails otherwise. Always settled:
    /// when the connection closes, or the guard leaves it, without STARTTLS, it fails.
    let upgraded: EventLoopPromise<Int>

    init(eventLoop: any EventLoop, makeTLS: @escaping @Sendable () throws -> NIOSSLClientHandler) {
        self.makeTLS = makeTLS
        upgraded = eventLoop.makePromise()
    }

    /// From now on, what the server sends is its answer to STARTTLS. On the channel's event loop.
    func arm() { armed = true }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard armed else {
            passed += buffer.readableBytes
            context.fireChannelRead(data)
            return
        }
        reply.writeBuffer(&buffer)
        guard let end = Self.endOfReply(Array(reply.readableBytesView)) else {
            if reply.readableBytes > Self.maxReply { refuse(context, "an answer to STARTTLS longer than it could be") }
            return
        }
        guard end == reply.readableBytes else {
            return refuse(context, "more after its answer to STARTTLS, before TLS began")
        }
        passed += end
        if reply.readableBytesView.starts(with: "220".utf8) {
            do {
                try context.pipeline.syncOperations.addHandler(try makeTLS(), position: .first)
            } catch {
                settle(.failure(error))
                context.fireErrorCaught(error)
                return
            }
            settle(.success(passed))
        } else {
            settle(.failure(RosterError.serviceProvider("the SMTP server refused STARTTLS: \(String(buffer: reply))")))
        }
        context.fireChannelRead(wrapInboundOut(reply))
        // TLS, now in front, keeps this read's completion to itself: say it here, or the session,
        // which is handed reads when they complete, never sees the answer.
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(.failure(RosterError.serviceProvider("the SMTP server closed the connection before TLS began")))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        settle(.failure(RosterError.serviceProvider("the connection ended before TLS began")))
    }

    private func settle(_ result: Result<Int, any Error>) {
        guard !settled else { return }
        settled = true
        upgraded.completeWith(result)
    }

    private func refuse(_ context: ChannelHandlerContext, _ what: String) {
        let error = RosterError.serviceProvider(
            "the SMTP server sent \(what): refusing to go on, as RFC 3207 §5 says (someone may be between Roster "
                + "and the server)")
        settle(.failure(error))
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    /// Where a reply ends: after the first line (ending in LF) whose fourth byte is not `-`.
    static func endOfReply(_ bytes: [UInt8]) -> Int? {
        var lineStart = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            let line = bytes[lineStart..<index]
            if line.count < 4 || line[line.startIndex + 3] != UInt8(ascii: "-") { return index + 1 }
            lineStart = index + 1
        }
        return nil
    }
}
