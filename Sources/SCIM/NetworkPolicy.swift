import Foundation

/// Where an integration's calls may go. By default only public addresses over https: an
/// integration URL (or OAuth token URL) that leads to this machine, the cloud's metadata service
/// or a private network, or that is not encrypted, is refused unless the application allows it.
public struct NetworkPolicy: Sendable, Hashable {
    public var allowPrivateNetwork: Bool

    public init(allowPrivateNetwork: Bool) {
        self.allowPrivateNetwork = allowPrivateNetwork
    }

    /// Why `address` may not be called, or nil when it may.
    public func refusal(of address: String) -> String? {
        guard !allowPrivateNetwork, let kind = Self.privateKind(of: address) else { return nil }
        return "\(address) is \(kind)"
    }

    /// What kind of non-public address `address` is (IPv4 or IPv6 text), or nil for a public one.
    public static func privateKind(of address: String) -> String? {
        if let v4 = ipv4(address) { return privateKind(v4: v4) }
        guard let v6 = ipv6(address) else { return "not an address Roster can check" }
        if v6.allSatisfy({ $0 == 0 }) { return "the unspecified address" }
        if v6.dropLast().allSatisfy({ $0 == 0 }) && v6[15] == 1 { return "a loopback address" }
        // IPv4 written as IPv6 (::ffff:a.b.c.d) or through NAT64 (64:ff9b::/96): judge the IPv4 inside.
        if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == 0xff && v6[11] == 0xff {
            return privateKind(v4: Array(v6[12..<16]))
        }
        if v6[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] {
            return privateKind(v4: Array(v6[12..<16]))
        }
        if v6[0] & 0xfe == 0xfc { return "a private (unique local) address" }
        if v6[0] == 0xfe && v6[1] & 0xc0 == 0x80 { return "a link-local address" }
        if v6[0] == 0xff { return "a multicast address" }
        return nil
    }

    static func privateKind(v4 b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "an unspecified address"
        case (127, _): return "a loopback address"
        case (10, _), (172, 16...31), (192, 168): return "a private network address"
        case (169, 254): return "a link-local address (where cloud metadata services answer)"
        case (100, 64...127): return "a shared (carrier-grade NAT) address"
        case (192, 0) where b[2] == 0: return "a reserved address"
        case (198, 18...19): return "a benchmarking network address"
        case (224...239, _): return "a multicast address"
        case (240...255, _): return "a reserved address"
        default: return nil
        }
    }

    /// The canonical dotted-decimal IPv4 literal only (`127.0.0.1`), never another spelling: the
    /// resolver reads `0177.0.0.1` as octal (127.0.0.1), `0x7f.1` as hex, `2130706433` as a number,
    /// so anything else is a name to resolve, and the address it resolves to is what is checked.
    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { part -> UInt8? in
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || part.first != "0"
            else { return nil }
            return UInt8(part)
        }
        return bytes.count == 4 ? bytes : nil
    }

    static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        let trimmed = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        let zoneless = trimmed.split(separator: "%").first.map(String.init) ?? trimmed
        guard inet_pton(AF_INET6, zoneless, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
