import Synchronization

/// The pace of requests to one service provider, shared by every client of one integration: a
/// rate set by the admin, or learned from the provider's 429s, and a pause every request honours
/// after a 429 with `Retry-After`. A 429 slows the whole application down, not just one task.
///
/// Requests are spaced, not bursted: each takes the next free slot (`1/rate` after the one
/// before), so several requests can be in flight while the provider sees an even rate.
public final class RequestPacer: Sendable {
    private struct State {
        /// Requests per second the admin allows; nil for as fast as the provider takes.
        var limit: Double?
        /// What 429s taught: the requests that succeeded in the second before the last 429.
        var learned: Double?
        /// The learned rate is only a floor (a 429 came too soon to measure): it grows fast until
        /// the next 429 measures the provider, as TCP's slow start does.
        var startingSlowly = false
        var nextSlot: ContinuousClock.Instant
        var pausedUntil: ContinuousClock.Instant
        /// When recent requests succeeded, to learn a rate from.
        var recent: [ContinuousClock.Instant] = []
        /// When the first request since the last pause (or ever) was let go: successes are
        /// counted from then, not from a pause or a start that idle time may have followed.
        var sendingSince: ContinuousClock.Instant?
        /// When the last 429 to a request sent after the one before it came: 429s to requests
        /// already in flight then only pause.
        var lastThrottled: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    /// The time now: the continuous clock's, or a test's.
    private let clock: @Sendable () -> ContinuousClock.Instant

    public init(limit: Double? = nil, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.clock = clock
        let now = clock()
        state = Mutex(State(nextSlot: now, pausedUntil: now))
        setLimit(limit)
    }

    /// The rate requests are spaced at now, if any.
    public var rate: Double? {
        state.withLock { s in
            switch (s.limit, s.learned) {
            case (let limit?, let learned?): min(limit, learned)
            case (let limit, let learned): limit ?? learned
            }
        }
    }

    public func setLimit(_ limit: Double?) {
        // At least one request an hour: the interval between two always fits in nanoseconds.
        state.withLock { $0.limit = limit.flatMap { $0.isFinite && $0 > 0 ? max($0, 1.0 / 3600) : nil } }
    }

    /// Waits for this request's slot, and answers when it was let go (for
    /// `throttled(retryAfter:sentAt:)`).
    @discardableResult
    public func acquire(
        sleep: @Sendable (Duration) async throws -> Void
    ) async throws -> ContinuousClock.Instant {
        let rate = self.rate
        let wait: Duration = state.withLock { s in
            let now = clock()
            let slot = max(now, s.nextSlot, s.pausedUntil)
            // bounded: rate is a positive configured or preset rate, so 1e9 / rate fits
            if let rate { s.nextSlot = slot + .nanoseconds(Int64(1e9 / rate)) }
            if s.sendingSince == nil { s.sendingSince = slot }
            return slot - now
        }
        if wait > .zero { try await sleep(wait) }
        return clock()
    }

    /// A request succeeded: remembered for a second, and a learned rate creeps back up (one more
    /// request per second every 50 successes; 10 % a success while it is only a floor) so a
    /// provider that allows more gets more.
    public func succeeded() {
        state.withLock { s in
            let now = clock()
            s.recent.append(now)
            if s.recent.count > 4_096 || s.recent.first.map({ now - $0 > .seconds(1) }) == true {
                s.recent.removeAll { now - $0 > .seconds(1) }
            }
            if let learned = s.learned { s.learned = s.startingSlowly ? learned * 1.1 : learned + 0.02 }
        }
    }

    /// The provider answered 429: every request waits `retryAfter` (a second if it did not say),
    /// and the rate drops to a little under what the provider took since the last pause (up to a
    /// second back). Less than a quarter of a second is too little to measure: what was taken then
    /// counts as a quarter second's worth, at most, and the first time as a floor that grows fast;
    /// requests let go all at once after each pause would meet a provider that takes few at once
    /// again and again (a token bucket of 20 a second, two at once, served two requests a pause).
    /// A request sent before the last such 429 says nothing new: its 429 only pauses.
    public func throttled(retryAfter: Duration?, sentAt: ContinuousClock.Instant? = nil) {
        state.withLock { s in
            let now = clock()
            s.pausedUntil = max(s.pausedUntil, now + (retryAfter ?? .seconds(1)))
            if let sentAt, let last = s.lastThrottled, sentAt < last { return }
            let from = max(s.sendingSince ?? now, now - .seconds(1))
            let elapsed = now - from
            let taken = Double(s.recent.filter { $0 >= from }.count)
            if elapsed >= .milliseconds(250) {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                s.learned = min(s.learned ?? .infinity, max(1, taken / seconds * 0.95))  // bounded: Double
                s.startingSlowly = false
            } else if s.learned == nil {
                s.learned = max(1, taken * 4)
                s.startingSlowly = true
            } else if let learned = s.learned, taken > 0, taken * 4 < learned {
                s.learned = taken * 4
                s.startingSlowly = false
            }
            s.lastThrottled = now
            s.sendingSince = nil
            s.recent.removeAll()
        }
    }
}
