import Foundation

/// The access token of one OAuth client, shared by every client and call that uses it.
///
/// A token is fetched once and kept until shortly before it expires; callers that need one
/// while it is being fetched wait for that fetch instead of starting their own. A 401 from
/// the service provider drops it (``invalidate(_:)``), so the next call fetches a fresh one.
public actor OAuthTokenCache {
    private var token: String?
    private var expires: ContinuousClock.Instant = .now
    private var fetching: Task<(String, Duration), any Error>?
    /// Renew this long before the token expires, so none expires in the middle of a request.
    let margin: Duration
    /// The time now: the continuous clock's, or a test's.
    let clock: @Sendable () -> ContinuousClock.Instant

    public init(
        renewBefore margin: Duration = .seconds(60),
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.margin = margin
        self.clock = clock
    }

    /// The current token, fetched with `fetch` (answering the token and its lifetime) when there is none.
    func token(fetch: @escaping @Sendable () async throws -> (String, Duration)) async throws -> String {
        if let token, clock() < expires { return token }
        let task = fetching ?? Task { try await fetch() }
        fetching = task
        defer { if fetching == task { fetching = nil } }
        let (access, lifetime) = try await task.value
        token = access
        expires = clock() + max(.zero, lifetime - margin)
        return access
    }

    /// Forgets `token` (the provider refused it); a newer token that another call fetched meanwhile is kept.
    func invalidate(_ rejected: String) {
        if token == rejected { token = nil }
    }
}
