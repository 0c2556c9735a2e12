import Foundation
import SCIM

/// The one place that decides whether Roster may talk to an application now, and with what:
/// import, listing, preview and provisioning all ask here.
struct IntegrationAccess: Sendable {
    let storage: any Storage
    let connector: SCIMConnector
    /// The connector presets; an application made from one keeps to what its vendor documents.
    let catalog: Result<ConnectorCatalog, RosterError>

    /// An application whose integration is active, ready to be called.
    struct Connection: Sendable {
        let application: Application
        let integration: Integration
        let client: SCIMClient
        /// What the provider supports (its `/ServiceProviderConfig`), less what its preset's vendor
        /// documents as not working, with pages no larger than the vendor serves.
        let provider: ServiceProviderConfig
    }

    enum State: Sendable {
        case active(Connection)
        case deactivated
        /// Too many failed pushes in a row; the reason says which.
        case quarantined(String)
        case notConfigured
    }

    /// Where the application's integration stands, connected when it is active.
    func state(of application: Application) async throws -> State {
        guard let integration = try await storage.integration(applicationId: application.id) else {
            return .notConfigured
        }
        switch integration.status {
        case .deactivated: return .deactivated
        case .error: return .quarantined(integration.lastError ?? "too many failed pushes")
        case .active:
            let client = connector.client(
                for: integration, application: application, listing: listingMemory(integration))
            let provider = try await serviceProvider(integration, client)
            return .active(
                Connection(
                    application: application, integration: integration, client: client,
                    provider: preset(of: application)?.applied(to: provider) ?? provider))
        }
    }

    /// The connection an administrator's request needs, or an error that says how to get one.
    func connect(_ application: Application) async throws -> Connection {
        switch try await state(of: application) {
        case .active(let connection): return connection
        case .notConfigured: throw Self.notConfigured(application)
        case .deactivated:
            throw RosterError.invalid(
                "the integration of \"\(application.name)\" is deactivated: activate it first (roster app activate "
                    + "\(application.name))"
            )
        case .quarantined(let why):
            throw RosterError.invalid(
                "the integration of \"\(application.name)\" is quarantined (\(why)): fix the application, then release "
                    + "it "
                    + "(roster app release \(application.name))")
        }
    }

    /// Whether syncing may go on: asked between batches and before every write, so a deactivation
    /// stops what is not yet sent.
    func isActive(_ applicationId: UUID) async throws -> Bool {
        try await storage.integration(applicationId: applicationId)?.status == .active
    }

    /// The integration, whatever its status, for configuring and testing it.
    func integration(of application: Application) async throws -> Integration {
        guard let integration = try await storage.integration(applicationId: application.id) else {
            throw Self.notConfigured(application)
        }
        return integration
    }

    static func notConfigured(_ application: Application) -> RosterError {
        .invalid(
            "application \"\(application.name)\" has no IdM integration: configure its SCIM URL and credentials first")
    }

    /// The preset an application was made from; none when the catalog no longer has it (a
    /// preset removed by an upgrade leaves the application as the provider describes itself).
    func preset(of application: Application) -> ConnectorPreset? {
        application.preset.flatMap { try? catalog.get().preset($0) }
    }

    /// The integration's listing fallbacks, stored again whenever a listing learns one: a failure
    /// to store loses only the shortcut, which the next listing learns again.
    private func listingMemory(_ integration: Integration) -> ListingMemory {
        let (storage, logger, id) = (self.storage, connector.logger, integration.applicationId)
        return ListingMemory(integration.listingFallbacks) { learned in
            logger.notice("listing fallbacks learned", metadata: ["fallbacks": "\(learned.summary)"])
            do { try await storage.recordListingFallbacks(applicationId: id, learned) } catch {
                logger.warning("listing fallbacks not stored", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What the provider supports, learned once and remembered with the integration.
    private func serviceProvider(_ integration: Integration, _ client: SCIMClient) async throws -> ServiceProviderConfig
    {
        if let known = integration.serviceProvider { return known }
        let config: ServiceProviderConfig
        do { config = try await client.serviceProviderConfig() } catch { throw RosterError.from(error) }
        try await storage.recordConnection(
            applicationId: integration.applicationId, serviceProvider: config, lastError: nil)
        return config
    }
}
