import Logging
import RosterCore
import ServiceLifecycle

/// Starts the scheduled imports whose slot has come, every 30 seconds. Every instance runs one:
/// each slot is claimed by exactly one of them (``ImportSchedules/runDue(now:)``).
struct ScheduleService: Service {
    let schedules: ImportSchedules
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await schedules.runDue()
                } catch {
                    logger.warning("scheduled imports not started", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(30))
            }
        }
    }
}
