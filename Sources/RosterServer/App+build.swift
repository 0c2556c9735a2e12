import Foundation
import Hummingbird
import Logging
import RosterApp
import RosterCore
import ServiceLifecycle

/// Builds the HTTP application; the same function serves `roster serve` and the tests.
/// With `workers`, the background services run in the same service group and stop with it.
public func buildApplication(roster: Roster, hostname: String, port: Int, workers: Bool) throws
    -> some ApplicationProtocol
{
    var app = Application(
        router: try buildRouter(roster: roster),
        configuration: .init(address: .hostname(hostname, port: port), serverName: "Roster"),
        logger: roster.logger)
    if workers { app.addServices(roster.backgroundServices()) }
    return app
}

/// Every route the server answers, as `GET /api/v1/users`: what `roster routes` prints and the
/// authorization matrix test checks against its table.
public func routeTable(roster: Roster) throws -> [(method: String, path: String)] {
    try buildRouter(roster: roster).routes.map { (method: $0.method.rawValue, path: "\($0.path)") }
}

func buildRouter(roster: Roster) throws -> Router<APIContext> {
    let router = Router(context: APIContext.self)
    router.add(middleware: ClientAddressMiddleware(trusted: roster.configuration.http.trustedProxies))
    // Outermost first: metrics and the request log see every request as it finally answered.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware(level: .info))
    router.add(middleware: RequestIdMiddleware())
    if roster.configuration.publicURL.lowercased().hasPrefix("https://") {
        router.add(middleware: StrictTransportMiddleware())
    }
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: BodyGuardMiddleware())
    router.get("healthz") { _, _ in try ["status": "ok"].response() }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: MetricsSetup.render())))
    }
    for (path, text) in [("openapi.yaml", OpenAPIDocument.text), ("scim-openapi.yaml", OpenAPIDocument.scim)] {
        router.get(RouterPath(stringLiteral: path)) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
    ActivationPage(accounts: roster.accounts).addRoutes(to: router)
    try addPortal(roster: roster, to: router)
    // Reads are Roster's own work, held to the deadline; an application's listing waits on its server.
    let api = router.group("api/v1").add(middleware: APIKeyMiddleware(keys: roster.keys))
        .add(middleware: DeadlineMiddleware(applies: { $0.method == .get && !$0.uri.path.hasSuffix("/remote-users") }))
    ApplicationsController(roster: roster).addRoutes(to: api)
    DirectoryController(roster: roster).addRoutes(to: api)
    AttributesController(roster: roster).addRoutes(to: api)
    AdministratorsController(roster: roster).addRoutes(to: api)
    ProvisioningController(roster: roster).addRoutes(to: api)
    JobsController(roster: roster).addRoutes(to: api)
    SCIMController(roster: roster).addRoutes(to: router)
    return router
}

/// The Admin Portal: sign-in, static files, and every page behind a signed-in session.
func addPortal(roster: Roster, to router: Router<APIContext>) throws {
    let portal = try Portal(roster: roster)
    for (file, type) in [("portal.css", "text/css; charset=utf-8"), ("portal.js", "text/javascript; charset=utf-8")] {
        let text = try PortalStatic.text(file)
        router.get("static/\(file)") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: type, .cacheControl: "max-age=300",
                    .init("X-Content-Type-Options")!: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
    router.get("/") { _, _ in Response.redirect(to: "/applications", type: .normal) }
    PortalAuth(portal: portal).addRoutes(to: router)
    let pages = router.group().add(middleware: PortalErrorMiddleware(portal: portal))
        .add(middleware: PortalSessionMiddleware(portal: portal))
    PortalAuth(portal: portal).addSessionRoutes(to: pages)
    PortalAccount(portal: portal).addRoutes(to: pages)
    PortalApplications(portal: portal).addRoutes(to: pages)
    PortalSchedule(portal: portal).addRoutes(to: pages)
    PortalDirectory(portal: portal).addRoutes(to: pages)
    PortalGroups(portal: portal).addRoutes(to: pages)
    PortalInsights(portal: portal).addRoutes(to: pages)
    PortalAdministrators(portal: portal).addRoutes(to: pages)
    PortalJobs(portal: portal).addRoutes(to: pages)
}

enum PortalStatic {
    static func text(_ file: String) throws -> String {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Static").appendingPathComponent(file) else {
            throw RosterError.internal("the portal's \(file) is missing from the build")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// The OpenAPI documents, served as shipped: the REST API's, and the SCIM service's.
enum OpenAPIDocument {
    static let text = document("openapi")
    static let scim = document("scim-openapi")

    static func document(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\n" }
        return text
    }
}
