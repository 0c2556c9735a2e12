import Foundation
import Synchronization
import Testing

@testable import SCIM

@Suite struct RequestPacerTests {
    /// Waits asked for, not slept.
    final class Waits: Sendable {
        let all = Mutex<[Duration]>([])
        func sleep(_ wait: Duration) async throws { all.withLock { $0.append(wait) } }
    }

    @Test func requestsAreSpacedAtTheLimitNotBursted() async throws {
        let pacer = RequestPacer(limit: 50)
        let waits = Waits()
        for _ in 0..<5 { try await pacer.acquire(sleep: waits.sleep) }
        let asked = waits.all.withLock { $0 }
        // The first goes at once; each next one a fiftieth of a second after the one before.
        #expect(asked.count == 4)
        for (index, wait) in asked.enumerated() {
            #expect(wait > .milliseconds(20 * (index + 1) - 5) && wait <= .milliseconds(20 * (index + 1)))
        }
    }

    @Test func a429PausesEveryRequestForRetryAfterAndLowersTheRateToWhatWasTaken() async throws {
        let pacer = RequestPacer()
        #expect(pacer.rate == nil)
        // 30 requests succeed over about 300 ms, then the provider says 429, Retry-After 1 s.
        for _ in 0..<30 {
            try await pacer.acquire(sleep: { _ in })
            pacer.succeeded()
            try await Task.sleep(for: .milliseconds(10))
        }
        pacer.throttled(retryAfter: .seconds(1))
        let waits = Waits()
        try await pacer.acquire(sleep: waits.sleep)
        let wait = try #require(waits.all.withLock { $0.first })
        #expect(wait > .milliseconds(900) && wait <= .seconds(1))
        let rate = try #require(pacer.rate)
        #expect(rate > 20 && rate < 110, "about 30 taken in about 0.3 s, less 5 %: \(rate)")
    }

    @Test func a429TooSoonToMeasureSpacesRequestsAtWhatWasTakenAndGrowsFastUntilOneMeasures() async throws {
        let pacer = RequestPacer()
        // Idle time before the first request is not time the provider took requests in.
        try await Task.sleep(for: .milliseconds(300))
        // A provider that takes two at once: two succeed, the third is refused at once, and so is
        // a fourth sent alongside it.
        for _ in 0..<2 {
            try await pacer.acquire(sleep: { _ in })
            pacer.succeeded()
        }
        let fourth = try await pacer.acquire(sleep: { _ in })
        pacer.throttled(retryAfter: .milliseconds(50))
        #expect(pacer.rate == 8, "two taken count as a quarter second's worth, not as no rate at all")
        pacer.throttled(retryAfter: .milliseconds(50), sentAt: fourth)
        #expect(pacer.rate == 8, "a request sent before the 429 says nothing new")
        for _ in 0..<10 { pacer.succeeded() }
        let grown = try #require(pacer.rate)
        #expect(abs(grown - 8 * pow(1.1, 10)) < 0.01, "10 % a success while the rate is a floor: \(grown)")
        // The next 429 comes late enough to measure: the rate is what was taken, and creeps from there.
        // (one success in the 0.35 s since the pause: under 3 a second, less 5 %; 23 grown by then)
        try await pacer.acquire(sleep: { try await Task.sleep(for: $0) })
        try await Task.sleep(for: .milliseconds(350))
        pacer.succeeded()
        pacer.throttled(retryAfter: .milliseconds(1))
        let measured = try #require(pacer.rate)
        // (0.35 s or more on a busy machine: never above 1 / 0.35 × 0.95, never below one a second)
        #expect(measured >= 1 && measured <= 2.72, "one taken in 0.35 s or more: \(measured)")
        pacer.succeeded()
        #expect(abs(try #require(pacer.rate) - (measured + 0.02)) < 0.001)
    }

    @Test func a429SoonAfterAPauseLowersAMeasuredRateToAQuarterSecondsWorthOfWhatWasTaken() async throws {
        let pacer = RequestPacer()
        // A rate measured as before: about 30 taken in 0.3 s.
        for _ in 0..<30 {
            try await pacer.acquire(sleep: { _ in })
            pacer.succeeded()
            try await Task.sleep(for: .milliseconds(10))
        }
        pacer.throttled(retryAfter: .milliseconds(10))
        let measured = try #require(pacer.rate)
        #expect(measured > 20)
        // After the pause the provider takes two and refuses the next at once: two in a quarter second.
        for _ in 0..<2 {
            try await pacer.acquire(sleep: { try await Task.sleep(for: $0) })
            pacer.succeeded()
        }
        pacer.throttled(retryAfter: .milliseconds(10))
        #expect(pacer.rate == 8, "measured \(measured), then two taken before a 429: 8 a second at most")
        pacer.succeeded()
        #expect(abs(try #require(pacer.rate) - 8.02) < 0.001, "a measured rate creeps, it does not grow fast")
    }

    @Test func aLimitSetByTheAdminWinsOverALearnedFasterRate() {
        let pacer = RequestPacer(limit: 5)
        #expect(pacer.rate == 5)
        pacer.setLimit(nil)
        #expect(pacer.rate == nil)
    }
}
