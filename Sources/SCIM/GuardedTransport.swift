import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The transport integrations use: it resolves the host itself, refuses addresses the
/// integration's ``NetworkPolicy`` does not allow, and connects to the very address it checked
/// (a DNS answer that changes between the check and the connection cannot lead elsewhere).
public struct GuardedTransport: SCIMTransport {
    let clients: PinnedHTTPClients
    let policy: NetworkPolicy

    public init(clients: PinnedHTTPClients, policy: NetworkPolicy) {
        self.clients = clients
        self.policy = policy
    }

    public func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws
        -> SCIMHTTPResponse
    {
        guard let url = URL(string: request.url), let host = url.host, !host.isEmpty else {
            throw SCIMClientError(.invalidConfiguration, "\(request.url) is not an http(s) URL", url: request.url)
        }
        if url.scheme?.lowercased() == "http", !policy.allowPrivateNetwork {
            throw SCIMClientError(
                .refused,
                "refused to call \(host) over unencrypted http://: use https://, or allow the application's private "
                    + "network (roster app set NAME --allow-private-network)", url: request.url)
        }
        let addresses = try await clients.resolve(host)
        if let refused = addresses.lazy.compactMap(policy.refusal(of:)).first {
            throw SCIMClientError(
                .refused,
                "refused to call \(host): it resolves to \(refused); Roster calls only public addresses unless the "
                    + "application allows its private network (roster app set NAME --allow-private-network)",
                url: request.url)
        }
        guard let address = addresses.first else {
            throw SCIMClientError(.unreachable, "\(host) has no address", url: request.url)
        }
        let http = clients.client(host: host, pinnedTo: address)
        return try await HTTPClientTransport(http: http, logger: clients.logger)
            .execute(request, timeout: timeout, maxBodyBytes: maxBodyBytes)
    }
}

/// One HTTP client per (host, address) pair, each connecting its host to that address only;
/// host names are resolved at most every 30 seconds.
public final class PinnedHTTPClients: Sendable {
    private struct Pin: Hashable {
        let host: String
        let address: String
    }
    private let clients = Mutex<[Pin: HTTPClient]>([:])
    private let resolved = Mutex<[String: (addresses: [String], at: ContinuousClock.Instant)]>([:])
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    func client(host: String, pinnedTo address: String) -> HTTPClient {
        clients.withLock { clients in
            let pin = Pin(host: host, address: address)
            if let client = clients[pin] { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
            configuration.dnsOverride = [host: address]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[pin] = client
            return client
        }
    }

    /// The host's addresses (an address literal is itself).
    func resolve(_ host: String) async throws -> [String] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if NetworkPolicy.ipv4(bare) != nil || NetworkPolicy.ipv6(bare) != nil { return [bare] }
        if let known = resolved.withLock({ $0[bare] }), ContinuousClock.now - known.at < .seconds(30) {
            return known.addresses
        }
        let addresses = try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(bare) }
        resolved.withLock { $0[bare] = (addresses, .now) }
        return addresses
    }

    /// getaddrinfo, on a thread that may block.
    static func lookUp(_ host: String) throws -> [String] {
        var hints = addrinfo()
        // bounded: a C constant
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw SCIMClientError(.unreachable, "could not resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            // bounded: a C constant
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let address = entry.pointee.ai_addr,
                getnameinfo(address, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                    == 0
            {
                let text = String(cString: buffer)
                if !addresses.contains(text) { addresses.append(text) }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }

    public func shutdown() async {
        for client in clients.withLock({ Array($0.values) }) { try? await client.shutdown() }
    }
}
