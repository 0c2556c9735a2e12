import Metrics
import SCIM

/// SCIM calls of one application: how many, how long, how many were rate limited or retried.
struct SCIMMetrics: SCIMClientObserver {
    let application: String

    func exchanged(method: String, path: String, status: Int?, duration: Duration?) {
        let status = status.map(String.init) ?? "none"
        Counter(
            label: "roster.scim.requests",
            dimensions: [
                ("application", application), ("method", method),
                ("status", status),
            ]
        ).increment()
        if status == "429" {
            Counter(label: "roster.scim.rate_limited", dimensions: [("application", application)]).increment()
        }
        if let duration {
            Timer(
                label: "roster.scim.request.duration", dimensions: [("application", application)],
                preferredDisplayUnit: .seconds
            ).recordNanoseconds(duration.milliseconds * 1_000_000)
        }
    }

    func retrying(status: Int?) {
        Counter(label: "roster.scim.retries", dimensions: [("application", application)]).increment()
    }
}
