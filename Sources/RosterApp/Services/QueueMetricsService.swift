import Logging
import RosterCore
import ServiceLifecycle

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
