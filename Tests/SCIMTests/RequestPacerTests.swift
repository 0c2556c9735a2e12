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

    @Test func aLimitSetByTheAdminWinsOverALearnedFasterRate() {
        let pacer = RequestPacer(limit: 5)
        #expect(pacer.rate == 5)
        pacer.setLimit(nil)
        #expect(pacer.rate == nil)
    }
}
