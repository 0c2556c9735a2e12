import NIOCore
import NIOEmbedded
import NIOSSL
import RosterCore
import Testing

@testable import RosterApp

/// RFC 3207 §5: nothing a server (or someone between it and Roster) sends before TLS begins may be
/// read as if it came after.
@Suite struct StartTLSGuardTests {
    func armedChannel() throws -> (EmbeddedChannel, StartTLSGuard) {
        let channel = EmbeddedChannel()
        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
        let startTLS = StartTLSGuard(eventLoop: channel.eventLoop) {
            try NIOSSLClientHandler(context: context, serverHostname: "mail.example")
        }
        try channel.pipeline.syncOperations.addHandler(startTLS)
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        try channel.writeInbound(ByteBuffer(string: "250-mail.example\r\n250 STARTTLS\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } != nil)
        startTLS.arm()
        return (channel, startTLS)
    }

    @Test func tlsIsInFrontTheMomentTheAnswerIsReadSoALaterPacketIsNeverPlaintext() async throws {
        let (channel, startTLS) = try armedChannel()
        // The answer comes in two reads: nothing is passed on, and nothing installed, until it is whole.
        try channel.writeInbound(ByteBuffer(string: "220 go"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ByteBuffer(string: " ahead\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "220 go ahead\r\n")
        #expect((try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)) != nil)
        // Every plaintext byte, the capabilities and the answer, counted for the session to check.
        #expect(try await startTLS.upgraded.futureResult.get() == 32 + 14)
        // A later "reply" goes to TLS, which cannot read it: it never reaches the session as text.
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(string: "250 AUTH PLAIN\r\n")) }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func bytesAfterTheAnswerInTheSameReadAreRefused() async throws {
        let (channel, startTLS) = try armedChannel()
        #expect(throws: RosterError.self) {
            try channel.writeInbound(ByteBuffer(string: "220 go ahead\r\n250 AUTH PLAIN\r\n"))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        await #expect(throws: RosterError.self) { try await startTLS.upgraded.futureResult.get() }
        #expect((try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)) == nil)
        _ = try? channel.finish()
    }

    @Test func aRefusedStartTLSInstallsNothingAndSaysSo() async throws {
        let (channel, startTLS) = try armedChannel()
        try channel.writeInbound(ByteBuffer(string: "454 TLS not available\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "454 TLS not available\r\n")
        await #expect(throws: RosterError.self) { try await startTLS.upgraded.futureResult.get() }
        #expect((try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)) == nil)
        _ = try? channel.finish()
    }
}
