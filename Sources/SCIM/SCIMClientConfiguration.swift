/// Limits and retry policy for calls to one service provider.
public struct SCIMClientConfiguration: Sendable {
    /// Deadline of one HTTP exchange, connect to last byte of the body.
    public var timeout: Duration
    /// Largest response body accepted; a larger one is refused, not buffered.
    public var maxResponseBytes: Int
    /// Attempts after the first for 429, 502, 503, 504 and connection errors.
    public var maxRetries: Int
    public var baseBackoff: Duration
    public var maxBackoff: Duration
    /// Longest `Retry-After` honoured as given; longer ones are cut to this.
    public var maxRetryAfter: Duration
    /// Most resources one listing reads: a provider that keeps inventing ids or cursors is stopped
    /// here with an error instead of being read forever.
    public var maxListedResources: Int
    /// How the client waits before a retry; tests record the waits instead of sleeping them.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The share of a back-off actually waited (jitter keeps many workers from retrying in lockstep).
    public var jitter: @Sendable () -> Double

    public init(
        timeout: Duration = .seconds(30), maxResponseBytes: Int = 32 << 20, maxRetries: Int = 6,
        baseBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(20),
        maxRetryAfter: Duration = .seconds(120), maxListedResources: Int = 2_000_000,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1.0) }
    ) {
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRetries = maxRetries
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.maxListedResources = maxListedResources
        self.sleep = sleep
        self.jitter = jitter
    }
}
