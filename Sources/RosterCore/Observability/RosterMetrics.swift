import Foundation
import Metrics

/// What Roster counts, in one place: the names below are what `/metrics` shows (dots become
/// underscores there). Recording goes through swift-metrics, so the domain does not know
/// who collects (Prometheus in `roster serve`, nothing in a command).
enum RosterMetrics {
    static func importedUsers(_ results: [ImportResult]) {
        for outcome in ImportResult.Outcome.allCases {
            let count = results.count { $0.outcome == outcome }
            if count > 0 {
                Counter(label: "roster.import.users", dimensions: [("outcome", outcome.rawValue)]).increment(by: count)
            }
        }
    }

    /// Users imported per second by the last batch of any import (users whatever their outcome).
    static func importRate(users: Int, in duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        guard users > 0, seconds > 0 else { return }
        Gauge(label: "roster.import.users_per_second").record(Double(users) / seconds)
    }

    static func push(_ outcome: ProvisioningLogEntry.Outcome, operation: ProvisioningLogEntry.Operation) {
        Counter(
            label: "roster.provisioning.pushes",
            dimensions: [
                ("outcome", outcome.rawValue),
                ("operation", operation.rawValue),
            ]
        ).increment()
    }

    static func mail(sent: Bool) {
        Counter(label: sent ? "roster.mail.sent" : "roster.mail.failed").increment()
    }

    static func signInFailed() {
        Counter(label: "roster.signin.failures").increment()
    }

    static func queue(_ depths: [QueueDepth], now: Date = Date()) {
        for kind in JobKind.allCases {
            let depth = depths.first { $0.kind == kind.rawValue }
            Gauge(label: "roster.queue.depth", dimensions: [("kind", kind.rawValue)]).record(depth?.waiting ?? 0)
            let age = depth?.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0
            Gauge(label: "roster.queue.oldest_age_seconds", dimensions: [("kind", kind.rawValue)]).record(age)
        }
    }
}
