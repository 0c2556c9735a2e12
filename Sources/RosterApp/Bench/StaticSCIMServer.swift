import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The fastest SCIM service provider possible, for `roster bench`: `users` users encoded once at
/// start, served by index pages of up to 1,000 (as `filter.maxResults` says) on loopback.
/// A page costs a copy of bytes already encoded, so what is measured is the client. The users are
/// realistic ones (``RealisticUsers``) unless `clean` asks for the tidy generated kind.
public final class StaticSCIMServer: Sendable {
    public static let maxResults = 1_000
    let users: [[UInt8]]
    let config: [UInt8]

    public init(users count: Int, clean: Bool = false) {
        let realistic = RealisticUsers(count: count)
        users = (0..<count).map { i in Array((clean ? Self.user(i) : realistic.json(i)).utf8) }
        config = Array(
            """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},\
            "bulk":{"supported":false,"maxOperations":0,"maxPayloadSize":0},\
            "filter":{"supported":true,"maxResults":\(Self.maxResults)},"changePassword":{"supported":false},\
            "sort":{"supported":false},"etag":{"supported":false},"authenticationSchemes":[]}
            """.utf8)
    }

    /// A tidy user: core attributes, an email, the enterprise extension, meta; every one importable.
    static func user(_ i: Int) -> String {
        let n = String(format: "%07d", i)
        let id = String(format: "00000000-0000-4000-8000-%012d", i)
        return """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",\
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"\(id)",\
            "userName":"user\(n)@bench.example","name":{"givenName":"First\(i % 977)",\
            "familyName":"Last\(i % 1013)","formatted":"First\(i % 977) Last\(i % 1013)"},\
            "displayName":"Person \(n)","emails":[{"value":"user\(n)@bench.example","type":"work","primary":true}],\
            "active":true,"title":"Engineer","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":\
            {"department":"R&D","employeeNumber":"\(i)"},"meta":{"resourceType":"User",\
            "created":"2026-01-01T00:00:00Z","lastModified":"2026-01-01T00:00:00Z","location":"/Users/\(id)"}}
            """
    }

    /// The body answering `path?query`, or nil for 404.
    func answer(_ uri: String) -> ByteBuffer? {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = parts.first.map(String.init) ?? ""
        if path.hasSuffix("/ServiceProviderConfig") { return ByteBuffer(bytes: config) }
        guard path.hasSuffix("/Users") else { return nil }
        var startIndex = 1
        var count = 100
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = Int(kv[1]) else { continue }
            if kv[0] == "startIndex" { startIndex = max(1, value) }
            if kv[0] == "count" { count = min(max(0, value), Self.maxResults) }
        }
        let from = min(startIndex - 1, users.count)
        let to = min(from + count, users.count)
        let size = users[from..<to].reduce(0) { $0 + $1.count + 1 } + 200
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeString(
            "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":\(users.count),"
                + "\"startIndex\":\(startIndex),\"itemsPerPage\":\(to - from),\"Resources\":[")
        for i in from..<to {
            if i > from { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(users[i])
        }
        buffer.writeString("]}")
        return buffer
    }

    /// Listens on 127.0.0.1 (any free port) and returns the channel; its port is the server's.
    public func start() async throws -> Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: StaticSCIMServer
        var uri = ""
        var keepAlive = true

        init(server: StaticSCIMServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                uri = head.uri
                keepAlive = head.isKeepAlive
            case .body:
                break
            case .end:
                let body = server.answer(uri)
                var headers = HTTPHeaders([("Content-Type", "application/scim+json")])
                headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
                let head = HTTPResponseHead(version: .http1_1, status: body == nil ? .notFound : .ok, headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
                let keepAlive = self.keepAlive
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { bound.value.close(promise: nil) }
                }
            }
        }
    }
}

extension StaticSCIMServer {
    /// Serves until the process ends, telling `ready` the base URL once it listens.
    public func serve(ready: (String) -> Void) async throws {
        let channel = try await start()
        ready("http://127.0.0.1:\(channel.localAddress?.port ?? 0)")
        try await channel.closeFuture.get()
    }

    /// `roster bench pages` in a child process, so that the pages it holds are not counted in the
    /// memory of the process being measured.
    public final class Process: @unchecked Sendable {
        public let url: String
        let process: Foundation.Process

        init(url: String, process: Foundation.Process) {
            self.url = url
            self.process = process
        }

        public static func start(users: Int, clean: Bool = false) throws -> Process {
            let process = Foundation.Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            process.arguments = ["bench", "pages", "--users", String(users)] + (clean ? ["--clean"] : [])
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else {
                    throw BenchError("the static page server ended before it listened")
                }
                line.append(chunk)
            }
            let url = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return Process(url: url, process: process)
        }

        public func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
