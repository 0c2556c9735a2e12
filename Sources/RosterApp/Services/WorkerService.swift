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
