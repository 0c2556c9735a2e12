import Foundation
import Metrics
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics recorded everywhere, collected by one Prometheus
/// registry that `/metrics` renders.
public enum MetricsSetup {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps the metrics system once and answers the registry to render.
    public static func prometheus() -> PrometheusCollectorRegistry {
        registry.withLock { existing in
            if let existing { return existing }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            // Prometheus names allow letters, digits and underscores: `roster.scim.requests` becomes
            // `roster_scim_requests`, `http.route` becomes `http_route`.
            factory.nameAndLabelSanitizer = { name, labels in
                (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
            }
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
                .seconds(30),
            ]
            MetricsSystem.bootstrap(factory)
            existing = created
            return created
        }
    }

    /// The Prometheus text exposition of every metric.
    public static func render() -> String {
        var buffer: [UInt8] = []
        prometheus().emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }
}
