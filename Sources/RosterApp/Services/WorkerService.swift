import Logging
import RosterCore
import ServiceLifecycle

/// A background worker as a lifecycle service: it stops with the rest of the process.
public struct WorkerService: Service {
    let worker: Worker
    public init(worker: Worker) { self.worker = worker }
    public func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}

/// Keeps the queue gauges (`roster_queue_depth`, `roster_queue_oldest_age_seconds`) current.
struct QueueMetricsService: Service {
    let jobs: JobsService
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await jobs.recordDepth()
                } catch {
                    logger.debug("queue depth not read", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }
}

extension Roster {
    /// Runs the background services alone until SIGTERM or SIGINT (`roster worker`).
    public func runWorkers() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: backgroundServices(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
