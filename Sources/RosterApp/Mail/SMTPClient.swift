import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RosterCore

/// A small SMTP client (RFC 5321) with STARTTLS (RFC 3207) and AUTH PLAIN/LOGIN (RFC 4954).
struct SMTPClient {
    let configuration: SMTPConfiguration
    let logger: Logger
    var timeout: Duration = .seconds(30)

    func send(from: String, to: String, data: Data) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.converse(from: from, to: to, data: data)
                } catch let error as RosterError {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // Refused, unreachable, a TLS handshake that failed: the mail server's matter, said
                    // with its address, not Roster's own failure (whose text stays in the log).
                    throw RosterError.serviceProvider(
                        "the SMTP server \(configuration.host):\(configuration.port) could not be reached or "
                            + "failed: \(error)")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RosterError.serviceProvider(
                    "the SMTP server \(configuration.host) did not finish within \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func converse(from: String, to: String, data: Data) async throws {
        let tls = try makeTLSContext()
        let host = configuration.host
        // SNI takes names only: an IP address is sent without one.
        let sniName: String? = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":") ? nil : host
        let implicit = configuration.security == .implicitTLS
        let makeTLS: @Sendable () throws -> NIOSSLClientHandler = {
            try NIOSSLClientHandler(context: tls, serverHostname: sniName)
        }
        let (channel, startTLS) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    var startTLS: StartTLSGuard?
                    if implicit {
                        try channel.pipeline.syncOperations.addHandler(try makeTLS())
                    } else {
                        startTLS = StartTLSGuard(eventLoop: channel.eventLoop, makeTLS: makeTLS)
                        try channel.pipeline.syncOperations.addHandler(startTLS!)
                    }
                    let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return (wrapped, startTLS)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound, host: host)
            try await session.expect(220)
            var capabilities = try await session.command("EHLO roster", expect: 250)
            var secure = implicit
            if !implicit {
                let offered = capabilities.contains { $0.uppercased().hasPrefix("STARTTLS") }
                if configuration.security == .requiredSTARTTLS, !offered {
                    throw RosterError.serviceProvider(
                        "the SMTP server \(host) does not offer STARTTLS, which ROSTER_SMTP_URL requires")
                }
                if offered, let startTLS {
                    // The guard puts TLS in front the moment the answer is read (StartTLSGuard).
                    try await channel.channel.eventLoop.submit { startTLS.arm() }.get()
                    _ = try await session.command("STARTTLS", expect: 220)
                    let plaintext = try await startTLS.upgraded.futureResult.get()
                    // Anything read before TLS and not yet read by the session is unauthenticated: a
                    // man in the middle added it (RFC 3207 §5). Stop rather than read it.
                    guard session.received == plaintext, session.buffer.isEmpty else {
                        throw RosterError.serviceProvider(
                            "the SMTP server \(host) sent more than its answer before TLS began: refusing to go "
                                + "on, as RFC 3207 §5 says (someone may be between Roster and the server)")
                    }
                    secure = true
                    capabilities = try await session.command("EHLO roster", expect: 250)
                }
            }
            if let user = configuration.user {
                guard secure else {
                    throw RosterError.serviceProvider(
                        "refusing to send the SMTP password to \(host) over an unencrypted connection: it does not "
                            + "offer STARTTLS; use smtps:// or a server that offers STARTTLS")
                }
                let password = configuration.password ?? ""
                let auth = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
                if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                    let token = Data("\u{0}\(user)\u{0}\(password)".utf8).base64EncodedString()
                    _ = try await session.command("AUTH PLAIN \(token)", expect: 235, secret: true)
                } else {
                    _ = try await session.command("AUTH LOGIN", expect: 334)
                    _ = try await session.command(Data(user.utf8).base64EncodedString(), expect: 334, secret: true)
                    _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, secret: true)
                }
            }
            _ = try await session.command("MAIL FROM:<\(from)>", expect: 250)
            _ = try await session.command("RCPT TO:<\(to)>", expect: 250)
            _ = try await session.command("DATA", expect: 354)
            try await session.write(Self.dotStuffed(data))
            try await session.expect(250)
            _ = try? await session.command("QUIT", expect: 221)
        }
        logger.info("email sent", metadata: ["to": "\(to)", "smtp": "\(host)"])
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.insecureSkipVerify { tls.certificateVerification = .none }
        return try NIOSSLContext(configuration: tls)
    }

    /// Lines starting with "." get another (RFC 5321 §4.5.2), and the message ends with CRLF.CRLF.
    static func dotStuffed(_ data: Data) -> ByteBuffer {
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        if text.hasPrefix(".") { text = "." + text }
        text = text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        return ByteBuffer(string: text + ".\r\n")
    }

    /// Reads replies line by line; a reply is complete at a line whose fourth character is a space.
    struct Session {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let host: String
        var buffer = ""
        /// Bytes read from the connection so far (before TLS, the plaintext ones).
        var received = 0
        /// The longest line a reply may have (RFC 5321 §4.5.3.1.5 says 512 octets; servers exceed it).
        static let maxLine = 64 * 1024

        mutating func command(_ line: String, expect code: Int, secret: Bool = false) async throws -> [String] {
            try await write(ByteBuffer(string: line + "\r\n"))
            return try await expect(code, after: secret ? "a credential" : line)
        }

        func write(_ bytes: ByteBuffer) async throws {
            try await outbound.write(bytes)
        }

        @discardableResult
        mutating func expect(_ code: Int, after command: String = "connecting") async throws -> [String] {
            var lines: [String] = []
            while true {
                let line = try await readLine()
                lines.append(String(line.dropFirst(4)))
                let chars = Array(line)
                if chars.count < 4 || chars[3] != "-" {
                    guard Int(String(chars.prefix(3))) == code else {
                        throw RosterError.serviceProvider("the SMTP server \(host) answered \"\(line)\" to \(command)")
                    }
                    return lines
                }
            }
        }

        mutating func readLine() async throws -> String {
            while true {
                if let range = buffer.range(of: "\r\n") ?? buffer.range(of: "\n") {
                    let line = String(buffer[..<range.lowerBound])
                    buffer.removeSubrange(..<range.upperBound)
                    return line
                }
                guard buffer.utf8.count <= Self.maxLine else {
                    throw RosterError.serviceProvider("the SMTP server \(host) sent a line longer than \(Self.maxLine)")
                }
                guard let chunk = try await inbound.next() else {
                    throw RosterError.serviceProvider("the SMTP server \(host) closed the connection")
                }
                received += chunk.readableBytes
                buffer += String(buffer: chunk)
            }
        }
    }
}
