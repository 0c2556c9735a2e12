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
        var nextSlot: ContinuousClock.Instant
        var pausedUntil: ContinuousClock.Instant
        /// When recent requests succeeded, to learn a rate from.
        var recent: [ContinuousClock.Instant] = []
        /// When the last pause ended: successes are counted from then.
        var resumedAt: ContinuousClock.Instant
    }

    private let state: Mutex<State>

    public init(limit: Double? = nil) {
        let now = ContinuousClock.now
        state = Mutex(
            State(limit: limit.flatMap { $0 > 0 ? $0 : nil }, nextSlot: now, pausedUntil: now, resumedAt: now))
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
        state.withLock { $0.limit = limit.flatMap { $0 > 0 ? $0 : nil } }
    }

    /// Waits for this request's slot.
    public func acquire(sleep: @Sendable (Duration) async throws -> Void) async throws {
        let rate = self.rate
        let wait: Duration = state.withLock { s in
            let now = ContinuousClock.now
            let slot = max(now, s.nextSlot, s.pausedUntil)
            if let rate { s.nextSlot = slot + .nanoseconds(Int64(1e9 / rate)) }
            return slot - now
        }
        if wait > .zero { try await sleep(wait) }
    }

    /// A request succeeded: remembered for a second, and a learned rate creeps back up (one more
    /// request per second every 50 successes) so a provider that allows more gets more.
    public func succeeded() {
        state.withLock { s in
            let now = ContinuousClock.now
            s.recent.append(now)
            if s.recent.count > 4_096 || s.recent.first.map({ now - $0 > .seconds(1) }) == true {
                s.recent.removeAll { now - $0 > .seconds(1) }
            }
            if let learned = s.learned { s.learned = learned + 0.02 }
        }
    }

    /// The provider answered 429: every request waits `retryAfter` (a second if it did not say),
    /// and the rate drops to a little under what the provider took since the last pause (up to a
    /// second back); a quarter of a second is too little to judge, so only the pause applies.
    public func throttled(retryAfter: Duration?) {
        state.withLock { s in
            let now = ContinuousClock.now
            let from = max(s.resumedAt, now - .seconds(1))
            let elapsed = now - from
            if elapsed >= .milliseconds(250) {
                let taken = Double(s.recent.filter { $0 >= from }.count)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                s.learned = min(s.learned ?? .infinity, max(1, taken / seconds * 0.95))
            }
            s.pausedUntil = max(s.pausedUntil, now + (retryAfter ?? .seconds(1)))
            s.resumedAt = s.pausedUntil
            s.recent.removeAll()
        }
    }
}
