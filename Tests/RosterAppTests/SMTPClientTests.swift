import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import RosterApp

/// A small SMTP server in the test process: it answers as a real one does (multi-line EHLO,
/// 354 for DATA) and keeps the conversation and the message it received.
final class TestSMTPServer: Sendable {
    let transcript = Mutex<[String]>([])
    let message = Mutex<String?>(nil)
    /// Refuse the recipient with this reply, if set.
    let refuseRecipient: String?
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    var port: Int { channel.channel.localAddress?.port ?? 0 }

    init(refuseRecipient: String? = nil) async throws {
        self.refuseRecipient = refuseRecipient
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
    }

    /// Serves one connection.
    func serveOne() async throws {
        try await channel.executeThenClose { inbound in
            for try await connection in inbound {
                try await converse(connection)
                return
            }
        }
    }

    private func converse(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
            try await say("220 test.example ESMTP")
            var buffer = ""
            var data: String?
            for try await chunk in inbound {
                buffer += String(buffer: chunk)
                while let end = buffer.range(of: "\r\n") {
                    let line = String(buffer[..<end.lowerBound])
                    buffer.removeSubrange(..<end.upperBound)
                    if var body = data {
                        if line == "." {
                            message.withLock { $0 = body }
                            data = nil
                            try await say("250 queued")
                        } else {
                            body += line + "\r\n"
                            data = body
                        }
                        continue
                    }
                    transcript.withLock { $0.append(line) }
                    switch line.prefix(4).uppercased() {
                    case "EHLO": try await say("250-test.example\r\n250-SIZE 1000000\r\n250 8BITMIME")
                    case "MAIL": try await say("250 sender ok")
                    case "RCPT": try await say(refuseRecipient ?? "250 recipient ok")
                    case "DATA":
                        data = ""
                        try await say("354 go ahead")
                    case "QUIT":
                        try await say("221 bye")
                        return
                    default: try await say("502 not implemented")
                    }
                }
            }
        }
    }
}

@Suite struct SMTPClientTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aMessageIsDeliveredWithItsEnvelopeAndLinesStartingWithADotSurviveIntact() async throws {
        // setup
        let server = try await TestSMTPServer()
        async let served: Void = server.serveOne()
        let client = SMTPClient(
            configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)"), logger: logger)
        let text =
            "From: roster@example.com\r\nTo: ann@example.com\r\nSubject: Hi\r\n\r\n"
            + "line one\r\n.line that starts with a dot\r\n"
        // MUT
        try await client.send(from: "roster@example.com", to: "ann@example.com", data: Data(text.utf8))
        try await served
        // validate
        let transcript = server.transcript.withLock { $0 }
        #expect(
            transcript == [
                "EHLO roster", "MAIL FROM:<roster@example.com>", "RCPT TO:<ann@example.com>", "DATA", "QUIT",
            ])
        #expect(server.message.withLock { $0 }?.replacingOccurrences(of: "\r\n..", with: "\r\n.") == text)
    }

    @Test func aRefusalIsAnErrorThatQuotesTheServer() async throws {
        // setup
        let server = try await TestSMTPServer(refuseRecipient: "550 5.1.1 no such mailbox")
        async let served: Void = server.serveOne()
        let client = SMTPClient(
            configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)"), logger: logger)
        // MUT
        let error = await #expect(throws: (any Error).self) {
            try await client.send(from: "roster@example.com", to: "nobody@example.com", data: Data("x".utf8))
        }
        _ = try? await served
        // validate
        #expect("\(error!)".contains("550 5.1.1 no such mailbox"))
    }

    @Test func aServerThatIsNotThereFailsQuicklyWithItsName() async throws {
        // setup: a port nobody listens on
        let port = try await { () async throws -> Int in
            let server = try await TestSMTPServer()
            let port = server.port
            try await server.channelClose()
            return port
        }()
        let client = SMTPClient(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)"), logger: logger)
        // MUT, validate
        await #expect(throws: (any Error).self) {
            try await client.send(from: "roster@example.com", to: "a@example.com", data: Data("x".utf8))
        }
    }
}

extension TestSMTPServer {
    func channelClose() async throws {
        try await channel.channel.close()
    }
}
