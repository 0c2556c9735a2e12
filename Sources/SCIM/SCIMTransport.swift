import Foundation
import NIOHTTP1

/// One HTTP request as the SCIM client sends it.
public struct SCIMHTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: HTTPMethod, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// A whole HTTP answer, body included.
public struct SCIMHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Moves one request and its answer. The client's retries, paging and authentication sit above
/// it, so tests replace the network with a fake that answers from memory.
public protocol SCIMTransport: Sendable {
    /// Sends `request` and reads the whole answer. Throws ``SCIMClientError`` with kind
    /// `timeout` when the exchange, body included, outlasts `timeout`; `bodyTooLarge` past
    /// `maxBodyBytes`; `unreachable` when the connection fails.
    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse
}
