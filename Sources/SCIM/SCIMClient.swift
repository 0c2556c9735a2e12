import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Limits and retry policy for calls to one service provider.
public struct SCIMClientConfiguration: Sendable {
    /// Deadline of one HTTP exchange, connect to last byte.
    public var timeout: TimeAmount
    /// Largest response body accepted; a larger one is refused, not buffered.
    public var maxResponseBytes: Int
    /// Attempts after the first for 429, 502, 503, 504 and connection errors.
    public var maxRetries: Int
    public var baseBackoff: Duration
    public var maxBackoff: Duration
    /// Longest `Retry-After` honoured as given; longer ones are cut to this.
    public var maxRetryAfter: Duration

    public init(timeout: TimeAmount = .seconds(30), maxResponseBytes: Int = 32 << 20, maxRetries: Int = 6,
                baseBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(20),
                maxRetryAfter: Duration = .seconds(120)) {
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRetries = maxRetries
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }
}

/// An async client for one SCIM 2.0 service provider (RFC 7644).
public final class SCIMClient: Sendable {
    public let baseURL: String
    let authentication: SCIMAuthentication
    let http: HTTPClient
    let configuration: SCIMClientConfiguration
    let logger: Logger
    private let tokens = OAuthTokenCache()

    public init(baseURL: String, authentication: SCIMAuthentication, httpClient: HTTPClient,
                configuration: SCIMClientConfiguration = .init(), logger: Logger = Logger(label: "scim", factory: { _ in SwiftLogNoOpLogHandler() })) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.authentication = authentication
        self.http = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// A response as far as Roster needs it: status, ETag and the JSON body.
    public struct Response: Sendable {
        public var status: Int
        public var etag: String?
        public var body: JSONValue
    }

    /// Sends one request, retrying what is safe to retry, and returns a 2xx response.
    ///
    /// - Parameter idempotent: whether a request that may have reached the server can be sent
    ///   again (a timed-out POST is not retried: it may have created the resource).
    public func send(_ method: HTTPMethod, _ path: String, query: [(String, String?)] = [],
                     body: JSONValue? = nil, headers extra: [(String, String)] = [],
                     idempotent: Bool = true) async throws -> Response {
        let url = baseURL + path + Self.queryString(query)
        guard URL(string: url)?.host != nil else {
            throw SCIMClientError(.invalidConfiguration, "the SCIM base URL is not a valid http(s) URL", url: baseURL)
        }
        var attempt = 0
        var refreshedToken = false
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/scim+json, application/json")
            for (name, value) in extra { request.headers.add(name: name, value: value) }
            if let auth = try await authorizationHeader(forceRefresh: refreshedToken && attempt == 0) {
                request.headers.add(name: "Authorization", value: auth)
            }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/scim+json")
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            }
            let outcome: Outcome
            do {
                outcome = try await exchange(request, url: url)
            } catch let error as SCIMClientError {
                let retryable = error.kind == .unreachable || (error.kind == .timeout && idempotent)
                guard retryable, attempt < configuration.maxRetries else { throw error }
                attempt += 1
                logger.debug("scim request retried", metadata: ["url": "\(url)", "reason": "\(error.kind)"])
                try await Task.sleep(for: backoff(attempt: attempt))
                continue
            }
            switch outcome.status {
            case 200..<300:
                return Response(status: outcome.status, etag: outcome.etag, body: outcome.body)
            case 401 where !refreshedToken:
                if case .oauthClientCredentials = authentication {
                    // The cached token may have been revoked early: fetch a new one once.
                    refreshedToken = true
                    attempt = 0
                    continue
                }
            case 429, 502, 503, 504:
                if attempt < configuration.maxRetries {
                    attempt += 1
                    let delay = outcome.retryAfter.map { min($0, configuration.maxRetryAfter) } ?? backoff(attempt: attempt)
                    logger.debug("scim request retried", metadata: ["url": "\(url)", "status": "\(outcome.status)"])
                    try await Task.sleep(for: delay)
                    continue
                }
            default: break
            }
            throw Self.error(status: outcome.status, body: outcome.body, url: url, retried: attempt)
        }
    }

    struct Outcome {
        var status: Int
        var etag: String?
        var retryAfter: Duration?
        var body: JSONValue
    }

    private func exchange(_ request: HTTPClientRequest, url: String) async throws -> Outcome {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: configuration.timeout, logger: logger)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw SCIMClientError(.timeout, "the service provider did not answer within \(configuration.timeout.seconds) s", url: url)
        } catch {
            throw SCIMClientError(.unreachable, "could not reach the service provider: \(error)", url: url)
        }
        let status = Int(response.status.code)
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxResponseBytes {
            throw Self.tooLarge(url: url, limit: configuration.maxResponseBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(url: url, limit: configuration.maxResponseBytes)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout].contains(error) {
            throw SCIMClientError(.timeout, "the service provider stopped sending within \(configuration.timeout.seconds) s", url: url)
        } catch {
            throw SCIMClientError(.unreachable, "the connection broke while reading the answer: \(error)", url: url)
        }
        let json: JSONValue
        if buffer.readableBytes == 0 {
            json = .null
        } else if let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) {
            json = decoded
        } else if (200..<300).contains(status) {
            let start = String(decoding: buffer.readableBytesView.prefix(80), as: UTF8.self)
            throw SCIMClientError(.unexpectedResponse, "the service provider sent a body that is not JSON, starting \"\(start)\"", status: status, url: url)
        } else {
            json = .null
        }
        return Outcome(status: status, etag: response.headers.first(name: "ETag"),
                       retryAfter: response.headers.first(name: "Retry-After").flatMap(Self.parseRetryAfter), body: json)
    }

    private func authorizationHeader(forceRefresh: Bool) async throws -> String? {
        switch authentication {
        case .none: return nil
        case .bearer(let token): return "Bearer \(token)"
        case .basic(let user, let password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .oauthClientCredentials(let tokenURL, let clientID, let clientSecret, let scope):
            let token = try await tokens.token(
                tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret, scope: scope,
                forceRefresh: forceRefresh
            ) { request in
                let outcome = try await self.exchange(request, url: tokenURL)
                return (outcome.status, outcome.body)
            }
            return "Bearer \(token)"
        }
    }

    func backoff(attempt: Int) -> Duration {
        let exponential = configuration.baseBackoff * (1 << min(attempt - 1, 16))
        let capped = min(exponential, configuration.maxBackoff)
        // Jitter keeps many workers from retrying in lockstep.
        return capped * Double.random(in: 0.5...1.0)
    }

    static func parseRetryAfter(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int(date.timeIntervalSinceNow * 1000)))
    }

    static func tooLarge(url: String, limit: Int) -> SCIMClientError {
        SCIMClientError(.bodyTooLarge, "the service provider's answer is larger than the \(limit / 1024) KiB limit", url: url)
    }

    static func error(status: Int, body: JSONValue, url: String, retried: Int) -> SCIMClientError {
        let scimType = body["scimType"]?.text
        let detail = body["detail"]?.text ?? body["message"]?.text ?? body["error"]?.text
        let kind: SCIMClientError.Kind
        let message: String
        switch status {
        case 401, 403:
            kind = .unauthorized
            message = "the service provider refused Roster's credentials"
        case 404:
            kind = .notFound
            message = "the service provider has no such resource"
        case 409:
            kind = .conflict
            message = "the service provider reports a conflict"
        case 429:
            kind = .httpStatus
            message = "the service provider kept rate limiting Roster after \(retried) retries"
        case 500...:
            kind = .httpStatus
            message = retried > 0 ? "the service provider kept failing after \(retried) retries" : "the service provider failed"
        default:
            kind = .httpStatus
            message = "the service provider rejected the request"
        }
        return SCIMClientError(kind, message, status: status, scimType: scimType, detail: detail, url: url)
    }

    static func queryString(_ query: [(String, String?)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let parts = query.map { name, value in
            guard let value else { return name }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }
        return "?" + parts.joined(separator: "&")
    }
}

extension TimeAmount {
    var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
