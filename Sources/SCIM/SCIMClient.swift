import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// An async client for one SCIM 2.0 service provider (RFC 7644).
public final class SCIMClient: Sendable {
    public let baseURL: String
    let authentication: SCIMAuthentication
    let transport: any SCIMTransport
    let configuration: SCIMClientConfiguration
    let tokens: OAuthTokenCache
    let observer: (any SCIMClientObserver)?
    /// The integration's pace, shared by its clients; nil sends as fast as asked.
    let pacer: RequestPacer?
    let logger: Logger
    /// What this provider's listings leave out (``ListingFallbacks``), learned and remembered.
    public let listing: ListingMemory
    /// How many 429 answers this client has met: listings read it to slow down.
    private let throttleCount = Atomic<Int>(0)
    var throttled: Int { throttleCount.load(ordering: .relaxed) }

    /// - Parameter tokens: the OAuth token cache to share with every other client of the same
    ///   OAuth client (one per integration); a new one by default.
    public init(
        baseURL: String, authentication: SCIMAuthentication, transport: any SCIMTransport,
        configuration: SCIMClientConfiguration = .init(), tokens: OAuthTokenCache = OAuthTokenCache(),
        observer: (any SCIMClientObserver)? = nil, pacer: RequestPacer? = nil, listing: ListingMemory = .init(),
        logger: Logger = Logger(label: "scim", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.pacer = pacer
        self.listing = listing
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.authentication = authentication
        self.transport = transport
        self.configuration = configuration
        self.tokens = tokens
        self.observer = observer
        self.logger = logger
    }

    public convenience init(
        baseURL: String, authentication: SCIMAuthentication, httpClient: HTTPClient,
        configuration: SCIMClientConfiguration = .init()
    ) {
        self.init(
            baseURL: baseURL, authentication: authentication, transport: HTTPClientTransport(http: httpClient),
            configuration: configuration)
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
    public func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String?)] = [],
        body: JSONValue? = nil, headers extra: [(String, String)] = [],
        idempotent: Bool = true
    ) async throws -> Response {
        let (status, etag, json) = try await send(
            method, path, query: query, body: body, headers: extra, idempotent: idempotent, decode: Self.json)
        return Response(status: status, etag: etag, body: json)
    }

    /// The body of a 2xx answer as JSON: empty is null, anything else must parse.
    static func json(_ bytes: [UInt8], status: Int, url: String) throws -> JSONValue {
        if bytes.isEmpty { return .null }
        if let decoded = try? JSONParser.parse(bytes) { return decoded }
        throw notJSON(bytes, status: status, url: url)
    }

    /// A 2xx answer whose body does not parse, quoting its start.
    static func notJSON(_ bytes: [UInt8], status: Int, url: String) -> SCIMClientError {
        let start = String(decoding: bytes.prefix(80), as: UTF8.self)
        return SCIMClientError(
            .unexpectedResponse, "the service provider sent a body that is not JSON, starting \"\(start)\"",
            status: status, url: url)
    }

    /// Sends one request as ``send(_:_:query:body:headers:idempotent:)`` does, and reads a 2xx
    /// answer's body with `decode` (a listing reads its pages straight into typed values).
    func send<Body>(
        _ method: HTTPMethod, _ path: String, query: [(String, String?)] = [],
        body: JSONValue? = nil, headers extra: [(String, String)] = [], idempotent: Bool = true,
        decode: ([UInt8], _ status: Int, _ url: String) throws -> Body
    ) async throws -> (status: Int, etag: String?, body: Body) {
        let url = baseURL + path + Self.queryString(query)
        guard URL(string: url)?.host != nil else {
            throw SCIMClientError(.invalidConfiguration, "the SCIM base URL is not a valid http(s) URL", url: baseURL)
        }
        let encodedBody = try body.map { Array(try JSONEncoder().encode($0)) }
        var attempt = 0
        var refreshedToken = false
        while true {
            var request = SCIMHTTPRequest(
                method: method, url: url, headers: [("Accept", "application/scim+json, application/json")])
            request.headers += extra
            let token = try await authorizationHeader()
            if let token { request.headers.append(("Authorization", token)) }
            if let encodedBody {
                request.headers.append(("Content-Type", "application/scim+json"))
                request.body = encodedBody
            }
            let sentAt = try await pacer?.acquire(sleep: configuration.sleep)
            let outcome: Outcome
            let started = ContinuousClock.now
            do {
                outcome = try await exchange(request, url: url)
                observer?.exchanged(
                    method: method.rawValue, path: path, status: outcome.status,
                    duration: ContinuousClock.now - started)
            } catch let error as SCIMClientError {
                observer?.exchanged(
                    method: method.rawValue, path: path, status: nil, duration: ContinuousClock.now - started)
                let retryable = error.kind == .unreachable || (error.kind == .timeout && idempotent)
                guard retryable, attempt < configuration.maxRetries else { throw error }
                attempt += 1
                observer?.retrying(status: nil)
                logger.debug("scim request retried", metadata: ["url": "\(url)", "reason": "\(error.kind)"])
                try await configuration.sleep(backoff(attempt: attempt))
                continue
            }
            switch outcome.status {
            case 200..<300:
                pacer?.succeeded()
                return (outcome.status, outcome.etag, try decode(outcome.body, outcome.status, url))
            case 401 where !refreshedToken:
                if case .oauthClientCredentials = authentication, let token {
                    // The shared token may have been revoked early: drop it and fetch a new one, once.
                    await tokens.invalidate(String(token.dropFirst("Bearer ".count)))
                    refreshedToken = true
                    continue
                }
            case 429, 502, 503, 504:
                if outcome.status == 429 { throttleCount.add(1, ordering: .relaxed) }
                if attempt < configuration.maxRetries {
                    attempt += 1
                    let delay =
                        outcome.retryAfter.map { min($0, configuration.maxRetryAfter) } ?? backoff(attempt: attempt)
                    observer?.retrying(status: outcome.status)
                    logger.debug("scim request retried", metadata: ["url": "\(url)", "status": "\(outcome.status)"])
                    if outcome.status == 429, let pacer {
                        // The whole integration waits and slows down; this request takes its turn after.
                        pacer.throttled(retryAfter: delay, sentAt: sentAt)
                    } else {
                        try await configuration.sleep(delay)
                    }
                    continue
                }
            default: break
            }
            // An error's body is read for its detail when it is JSON, ignored when not.
            let detail = outcome.body.isEmpty ? JSONValue.null : (try? JSONParser.parse(outcome.body)) ?? .null
            throw Self.error(status: outcome.status, body: detail, url: url, retried: attempt)
        }
    }

    struct Outcome {
        var status: Int
        var etag: String?
        var retryAfter: Duration?
        var body: [UInt8]
    }

    private func exchange(_ request: SCIMHTTPRequest, url: String) async throws -> Outcome {
        let response = try await transport.execute(
            request, timeout: configuration.timeout,
            maxBodyBytes: configuration.maxResponseBytes)
        return Outcome(
            status: response.status, etag: response.header("ETag"),
            retryAfter: response.header("Retry-After").flatMap(Self.parseRetryAfter), body: response.body)
    }

    private func authorizationHeader() async throws -> String? {
        switch authentication {
        case .none: return nil
        case .bearer(let token): return "Bearer \(token)"
        case .basic(let user, let password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .oauthClientCredentials(let tokenURL, let clientID, let clientSecret, let scope):
            let token = try await tokens.token {
                try await self.fetchToken(
                    tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret, scope: scope)
            }
            return "Bearer \(token)"
        }
    }

    func backoff(attempt: Int) -> Duration {
        let exponential = configuration.baseBackoff * (1 << min(attempt - 1, 16))
        let capped = min(exponential, configuration.maxBackoff)
        return capped * configuration.jitter()
    }

    /// The longest a provider's `Retry-After` is waited: an hour. A provider's number never reaches
    /// the clock's arithmetic unbounded (an instant plus years traps).
    static let longestRetryAfter = 3600

    static func parseRetryAfter(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = CheckedNumber.read(trimmed, in: Int.min...Int.max) {
            return .seconds(min(max(0, seconds), longestRetryAfter))
        }
        if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) { return .seconds(longestRetryAfter) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let wait = min(max(0, date.timeIntervalSinceNow), Double(longestRetryAfter))
        return .milliseconds(Int(wait * 1000))  // bounded: wait is at most longestRetryAfter
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
            message =
                retried > 0
                ? "the service provider kept failing after \(retried) retries" : "the service provider failed"
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
