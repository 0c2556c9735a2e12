import Foundation
import Synchronization
import Testing

@testable import SCIM

/// A continuous clock that moves only when told.
final class ManualClock: Sendable {
    let now = Mutex(ContinuousClock.now)
    func advance(_ by: Duration) { now.withLock { $0 = $0 + by } }
    var read: @Sendable () -> ContinuousClock.Instant { { self.now.withLock { $0 } } }
}

/// The pacer on a clock the test moves: every figure is exact, whatever else the machine does.
@Suite struct RequestPacerTests {
    /// Waits asked for, not slept.
    final class Waits: Sendable {
        let all = Mutex<[Duration]>([])
        func sleep(_ wait: Duration) async throws { all.withLock { $0.append(wait) } }
    }

    /// `count` requests that succeed, `every` apart.
    func succeed(_ pacer: RequestPacer, _ clock: ManualClock, count: Int, every: Duration) async throws {
        for _ in 0..<count {
            try await pacer.acquire(sleep: { _ in })
            pacer.succeeded()
            clock.advance(every)
        }
    }

    @Test func requestsAreSpacedAtTheLimitNotBursted() async throws {
        let clock = ManualClock()
        let pacer = RequestPacer(limit: 50, clock: clock.read)
        let waits = Waits()
        for _ in 0..<5 { try await pacer.acquire(sleep: waits.sleep) }
        // The first goes at once; each next one a fiftieth of a second after the one before.
        #expect(waits.all.withLock { $0 } == [20, 40, 60, 80].map { .milliseconds($0) })
    }

    @Test func a429PausesEveryRequestForRetryAfterAndLowersTheRateToWhatWasTaken() async throws {
        let clock = ManualClock()
        let pacer = RequestPacer(clock: clock.read)
        #expect(pacer.rate == nil)
        // 30 requests succeed over 300 ms, then the provider says 429, Retry-After 1 s.
        try await succeed(pacer, clock, count: 30, every: .milliseconds(10))
        pacer.throttled(retryAfter: .seconds(1))
        let waits = Waits()
        try await pacer.acquire(sleep: waits.sleep)
        #expect(waits.all.withLock { $0 } == [.seconds(1)])
        // 30 taken in 0.3 s, less 5 %.
        #expect(abs(try #require(pacer.rate) - 95) < 0.0001)
    }

    @Test func a429TooSoonToMeasureSpacesRequestsAtWhatWasTakenAndGrowsFastUntilOneMeasures() async throws {
        let clock = ManualClock()
        let pacer = RequestPacer(clock: clock.read)
        // Idle time before the first request is not time the provider took requests in.
        clock.advance(.milliseconds(300))
        // A provider that takes two at once: two succeed, the third is refused at once, and so is
        // a fourth sent alongside it.
        try await succeed(pacer, clock, count: 2, every: .zero)
        let fourth = try await pacer.acquire(sleep: { _ in })
        pacer.throttled(retryAfter: .milliseconds(50))
        #expect(pacer.rate == 8, "two taken count as a quarter second's worth, not as no rate at all")
        pacer.throttled(retryAfter: .milliseconds(50), sentAt: fourth)
        #expect(pacer.rate == 8, "a request sent before the 429 says nothing new")
        for _ in 0..<10 { pacer.succeeded() }
        let grown = try #require(pacer.rate)
        #expect(abs(grown - 8 * pow(1.1, 10)) < 0.01, "10 % a success while the rate is a floor: \(grown)")
        // The next 429 comes late enough to measure: one success in the 0.4 s since the pause ended.
        clock.advance(.milliseconds(50))
        try await pacer.acquire(sleep: { _ in })
        clock.advance(.milliseconds(400))
        pacer.succeeded()
        pacer.throttled(retryAfter: .milliseconds(1))
        let measured = try #require(pacer.rate)
        #expect(abs(measured - max(1, 1 / 0.4 * 0.95)) < 0.0001, "one taken in 0.4 s: \(measured)")
        pacer.succeeded()
        #expect(abs(try #require(pacer.rate) - (measured + 0.02)) < 0.0001, "a measured rate creeps")
    }

    @Test func a429SoonAfterAPauseLowersAMeasuredRateToAQuarterSecondsWorthOfWhatWasTaken() async throws {
        let clock = ManualClock()
        let pacer = RequestPacer(clock: clock.read)
        // A rate measured as before: 30 taken in 0.3 s.
        try await succeed(pacer, clock, count: 30, every: .milliseconds(10))
        pacer.throttled(retryAfter: .milliseconds(10))
        #expect(abs(try #require(pacer.rate) - 95) < 0.0001)
        // After the pause the provider takes two and refuses the next at once: two in a quarter second.
        clock.advance(.milliseconds(10))
        try await succeed(pacer, clock, count: 2, every: .milliseconds(1))
        pacer.throttled(retryAfter: .milliseconds(10))
        #expect(pacer.rate == 8, "measured 95, then two taken before a 429: 8 a second at most")
        pacer.succeeded()
        #expect(abs(try #require(pacer.rate) - 8.02) < 0.0001, "a measured rate creeps, it does not grow fast")
    }

    @Test func aLimitSetByTheAdminWinsOverALearnedFasterRate() {
        let pacer = RequestPacer(limit: 5)
        #expect(pacer.rate == 5)
        pacer.setLimit(nil)
        #expect(pacer.rate == nil)
        // However small a limit is set, the space between two requests fits the clock (an hour at most).
        pacer.setLimit(1e-300)
        #expect(pacer.rate == 1.0 / 3600)
    }
}
