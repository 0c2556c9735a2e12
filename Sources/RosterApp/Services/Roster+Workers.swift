import ServiceLifecycle

extension Roster {
    /// Runs the background services alone until SIGTERM or SIGINT (`roster worker`).
    public func runWorkers() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: backgroundServices(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
