import Foundation
import Hummingbird
import Logging
import RosterCore
import ServiceLifecycle

/// Builds the HTTP application; the same function serves `roster serve` and the tests.
public func buildApplication(roster: Roster, hostname: String, port: Int, workers: Bool) -> some ApplicationProtocol {
    let router = Router(context: APIContext.self)
    router.add(middleware: ErrorMiddleware())
    router.get("healthz") { _, _ in try ["status": "ok"].response() }
    router.get("openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
    }
    ActivationPage(accounts: roster.accounts).addRoutes(to: router)
    let api = router.group("api/v1").add(middleware: APIKeyMiddleware(administrators: roster.administrators))
    ApplicationsController(roster: roster).addRoutes(to: api)
    DirectoryController(roster: roster).addRoutes(to: api)
    ProvisioningController(roster: roster).addRoutes(to: api)
    var app = Application(router: router, configuration: .init(address: .hostname(hostname, port: port), serverName: "Roster"),
                          logger: roster.logger)
    if workers { app.addServices(WorkerService(worker: roster.makeWorker())) }
    return app
}

/// Runs the workers alone until SIGTERM or SIGINT (`roster worker`).
public func runWorkers(roster: Roster) async throws {
    let group = ServiceGroup(configuration: .init(
        services: [WorkerService(worker: roster.makeWorker())], gracefulShutdownSignals: [.sigterm, .sigint], logger: roster.logger))
    try await group.run()
}

/// The background worker as a lifecycle service: it stops with the server.
public struct WorkerService: Service {
    let worker: Worker
    public init(worker: Worker) { self.worker = worker }
    public func run() async throws {
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}

/// The OpenAPI document, served as shipped.
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "openapi: 3.1.0\n" }
        return text
    }()
}
