import Foundation
import SCIM

/// Applications and their IdM integrations: create, configure, test, activate, deactivate.
public struct ApplicationService: Sendable {
    let storage: any Storage
    let connector: SCIMConnector

    public init(storage: any Storage, connector: SCIMConnector) {
        self.storage = storage
        self.connector = connector
    }

    public func create(name: String, description: String?, by initiator: Initiator) async throws -> Application {
        try initiator.require(.change)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw RosterError.invalid("an application needs a name of 1 to 200 characters") }
        let application = Application(name: name, description: description)
        try await storage.createApplication(application)
        try await storage.record(InsightsEvent(
            type: "application_create", initiator: initiator,
            resource: .init(type: "application", id: application.id.uuidString, name: name), application: .init(application)))
        return application
    }

    /// Sets the SCIM URL and credentials; the integration starts `active`.
    public func configureIntegration(application name: String, baseURL: String, credentials: Credentials,
                                     by initiator: Initiator) async throws -> Integration {
        try initiator.require(.change)
        let application = try await find(name)
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else {
            throw RosterError.invalid("the SCIM URL \"\(baseURL)\" is not an http:// or https:// URL")
        }
        if case .oauth(let tokenURL, _, _, _) = credentials, URL(string: tokenURL)?.host == nil {
            throw RosterError.invalid("the OAuth token URL \"\(tokenURL)\" is not a URL")
        }
        let integration = Integration(applicationId: application.id, baseURL: baseURL, credentials: credentials)
        try await storage.saveIntegration(integration)
        try await storage.record(InsightsEvent(
            type: "idm_activate", initiator: initiator,
            resource: .init(type: "integration", id: application.id.uuidString, name: name), application: .init(application)))
        return integration
    }

    public struct ConnectionReport: Sendable {
        public var serviceProvider: ServiceProviderConfig
        public var totalUsers: Int?
    }

    /// Reaches the service provider, reads what it supports and remembers it.
    public func test(application name: String, by initiator: Initiator) async throws -> ConnectionReport {
        let application = try await find(name)
        let integration = try await integration(of: application)
        let client = connector.client(for: integration)
        do {
            let config = try await client.serviceProviderConfig()
            let page = try await client.listUsers(startIndex: 1, count: 1, query: .init())
            try await storage.recordConnection(applicationId: application.id, serviceProvider: config, lastError: nil)
            return ConnectionReport(serviceProvider: config, totalUsers: page.totalResults)
        } catch {
            let failure = RosterError.from(error)
            try await storage.recordConnection(applicationId: application.id, serviceProvider: integration.serviceProvider,
                                               lastError: failure.description)
            throw failure
        }
    }

    public func setActive(_ active: Bool, application name: String, by initiator: Initiator) async throws -> Integration {
        try initiator.require(.change)
        let application = try await find(name)
        var integration = try await integration(of: application)
        integration.status = active ? .active : .deactivated
        try await storage.setIntegrationStatus(applicationId: application.id, status: integration.status)
        if active {
            _ = try await storage.recordPush(applicationId: application.id, succeeded: true)
            try await ProvisioningQueue(storage: storage).reconcileAll(application)
        } else {
            // SPEC.md: deactivation stops all syncing at once; waiting pushes end in error.
            try await ProvisioningQueue(storage: storage).cancelAll(in: application, reason: "integration deactivated", by: initiator)
        }
        try await storage.record(InsightsEvent(
            type: active ? "idm_activate" : "idm_deactivate", initiator: initiator,
            resource: .init(type: "integration", id: application.id.uuidString, name: application.name),
            application: .init(application)))
        return integration
    }

    /// Takes an application out of quarantine: its held pushes go out again.
    public func release(application name: String, by initiator: Initiator) async throws -> Integration {
        let integration = try await setActive(true, application: name, by: initiator)
        try await storage.record(InsightsEvent(type: "idm_release", initiator: initiator,
                                               resource: .init(type: "integration", id: integration.applicationId.uuidString, name: name)))
        return integration
    }

    /// Chooses what deprovisioning does in the application.
    public func setDeprovisionAction(_ action: DeprovisionAction, application name: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let application = try await find(name)
        _ = try await integration(of: application)
        try await storage.setDeprovisionAction(applicationId: application.id, action)
    }

    public func find(_ name: String) async throws -> Application {
        if let application = try await storage.application(named: name) { return application }
        if let id = UUID(uuidString: name), let application = try await storage.application(id: id) { return application }
        throw RosterError.notFound("there is no application named \"\(name)\"")
    }

    public func integration(of application: Application) async throws -> Integration {
        guard let integration = try await storage.integration(applicationId: application.id) else {
            throw RosterError.invalid("application \"\(application.name)\" has no IdM integration: configure its SCIM URL and credentials first")
        }
        return integration
    }

    public func list(search: String?) async throws -> [Application] {
        try await storage.applications(search: search)
    }
}
