import Foundation
import SCIM

/// Applications and their IdM integrations: create, configure, test, activate, deactivate.
public struct ApplicationService: Sendable {
    let storage: any Storage
    let access: IntegrationAccess
    let lookup: Lookup
    let queue: ProvisioningQueue

    /// - Parameter preset: a connector preset's id (``ConnectorPreset``): the application keeps to
    ///   what its vendor documents (page size, pace, what does not work).
    public func create(name: String, description: String?, preset: String? = nil, by initiator: Initiator)
        async throws -> Application
    {
        try initiator.require(.change)
        let preset = try preset.map { try self.preset($0).id }
        let name = try Naming.name(name, of: "an application")
        if let description, description.count > 2000 || description.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw RosterError.invalid("a description is at most 2000 characters, without NUL characters")
        }
        let application = Application(name: name, description: description, preset: preset)
        try await storage.transaction { tx in
            try await tx.createApplication(application)
            try await tx.record(
                InsightsEvent(
                    type: .applicationCreate, initiator: initiator,
                    resource: .init(type: "application", id: application.id, name: name),
                    application: .init(application)))
        }
        return application
    }

    /// Sets the SCIM URL and credentials; the integration starts `active`. Throws
    /// ``IntegrationInput/Problem`` for what the administrator must correct.
    public func configureIntegration(application name: String, input: IntegrationInput, by initiator: Initiator)
        async throws -> Integration
    {
        try initiator.require(.change)
        let application = try await lookup.application(name)
        let preset = access.preset(of: application)
        var input = input
        if let preset { input.scimURL = try preset.scimURL(given: input.scimURL) }
        let integration = Integration(
            applicationId: application.id, baseURL: try input.baseURL(),
            credentials: try input.credentials(), allowPrivateNetwork: input.allowPrivateNetwork)
        try await storage.transaction { tx in
            let previous = try await tx.integration(applicationId: application.id)
            let first = previous == nil
            try await tx.saveIntegration(integration)
            if integration.allowPrivateNetwork != (previous?.allowPrivateNetwork ?? false) {
                try await tx.record(
                    Self.networkPolicyEvent(integration.allowPrivateNetwork, application: application, by: initiator))
            }
            if first, let preset {
                // The vendor's documented pace and deprovisioning, until an administrator says otherwise.
                if let rate = preset.requestsPerSecond {
                    try await tx.setRateLimit(applicationId: application.id, rate)
                }
                if let action = preset.deprovisioning.flatMap(DeprovisionAction.init(rawValue:)) {
                    try await tx.setDeprovisionAction(applicationId: application.id, action)
                }
            }
            try await tx.record(
                InsightsEvent(
                    type: .idmActivate, initiator: initiator,
                    resource: .init(type: "integration", id: application.id, name: application.name),
                    application: .init(application)))
        }
        // As stored: with the pace a preset set, and what an earlier configuration left.
        return try await storage.integration(applicationId: application.id) ?? integration
    }

    public struct ConnectionReport: Sendable {
        public var serviceProvider: ServiceProviderConfig
        public var totalUsers: Int?
        /// Listing parameters the provider refuses or ignores (remembered for its listings).
        public var listing: ListingFallbacks
    }

    /// Reaches the service provider, reads what it supports and remembers it.
    public func test(application name: String, by initiator: Initiator) async throws -> ConnectionReport {
        // It records what it learns, so it is a change.
        try initiator.require(.change)
        let application = try await lookup.application(name)
        let integration = try await access.integration(of: application)
        let client = access.connector.client(for: integration, application: application)
        do {
            let config = try await client.serviceProviderConfig()
            let probe = try await client.probeListing(config)
            // What the test learned is kept whole: the provider's configuration with how it lists.
            try await storage.transaction { tx in
                try await tx.recordConnection(applicationId: application.id, serviceProvider: config, lastError: nil)
                try await tx.recordListingFallbacks(applicationId: application.id, probe.fallbacks)
            }
            return ConnectionReport(serviceProvider: config, totalUsers: probe.totalUsers, listing: probe.fallbacks)
        } catch {
            let failure = RosterError.from(error)
            try await storage.recordConnection(
                applicationId: application.id, serviceProvider: integration.serviceProvider,
                lastError: failure.stored)
            throw failure
        }
    }

    /// Activates or deactivates the integration; `released` records that an administrator took it out
    /// of quarantine, in the same transaction.
    public func setActive(_ active: Bool, application name: String, by initiator: Initiator, released: Bool = false)
        async throws -> Integration
    {
        try initiator.require(.change)
        let application = try await lookup.application(name)
        var integration = try await access.integration(of: application)
        integration.status = active ? .active : .deactivated
        try await storage.transaction { [integration] tx in
            try await tx.setIntegrationStatus(applicationId: application.id, status: integration.status)
            if active {
                _ = try await tx.recordPush(applicationId: application.id, succeeded: true)
                try await queue.reconcileAll(application)
            } else {
                // SPEC.md: deactivation stops all syncing at once; waiting pushes end in error.
                try await queue.cancelAll(in: application, reason: "integration deactivated", by: initiator)
            }
            try await tx.record(
                Self.event(active ? .idmActivate : .idmDeactivate, application.name, application, by: initiator))
            if released { try await tx.record(Self.event(.idmRelease, application.name, application, by: initiator)) }
        }
        return integration
    }

    /// Takes an application out of quarantine: its held pushes go out again.
    public func release(application name: String, by initiator: Initiator) async throws -> Integration {
        try await setActive(true, application: name, by: initiator, released: true)
    }

    /// Lets the application's calls reach a private network (and http://), or stops them.
    public func setNetworkPolicy(allowPrivateNetwork: Bool, application name: String, by initiator: Initiator)
        async throws
    {
        try await change(.init(allowPrivateNetwork: allowPrivateNetwork), application: name, by: initiator)
    }

    /// Reaching a private network is a decision of its own in the audit trail, whichever door set it.
    static func networkPolicyEvent(_ allowed: Bool, application: Application, by initiator: Initiator)
        -> InsightsEvent
    {
        event(
            .idmNetworkPolicy, allowed ? "private network allowed" : "public addresses only", application, by: initiator
        )
    }

    /// An event of the application's integration; `name` says what it became.
    static func event(_ type: InsightsEventType, _ name: String, _ application: Application, by initiator: Initiator)
        -> InsightsEvent
    {
        InsightsEvent(
            type: type, initiator: initiator, resource: .init(type: "integration", id: application.id, name: name),
            application: .init(application))
    }

    /// Chooses what deprovisioning does in the application.
    public func setDeprovisionAction(_ action: DeprovisionAction, application name: String, by initiator: Initiator)
        async throws
    {
        try await change(.init(deprovision: action.rawValue), application: name, by: initiator)
    }

    /// An application's settings as an administrator sends them; nil leaves a setting as it is.
    public struct SettingsChange: Sendable {
        public var deprovision: String?
        public var allowPrivateNetwork: Bool?
        /// `50/s`, `50`, or `none` to learn the provider's pace from its 429s.
        public var rateLimit: String?

        public init(deprovision: String? = nil, allowPrivateNetwork: Bool? = nil, rateLimit: String? = nil) {
            self.deprovision = deprovision
            self.allowPrivateNetwork = allowPrivateNetwork
            self.rateLimit = rateLimit
        }
    }

    /// Changes the settings named in `change`, after checking the caller may, then what was sent.
    public func change(_ change: SettingsChange, application name: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        guard change.deprovision != nil || change.allowPrivateNetwork != nil || change.rateLimit != nil else {
            throw RosterError.invalid(
                "say what to change: deprovision (deactivate or delete), allowPrivateNetwork or rateLimit")
        }
        let rate = try change.rateLimit.map(Self.parseRate)
        let action = try change.deprovision.map { text in
            guard let action = DeprovisionAction(rawValue: text) else {
                throw RosterError.invalid("deprovisioning must deactivate or delete, not \"\(text)\"")
            }
            return action
        }
        let application = try await lookup.application(name)
        _ = try await access.integration(of: application)
        // Every setting sent, each with its event, or none: a failure part way leaves no half-change.
        try await storage.transaction { tx in
            func record(_ type: InsightsEventType, _ what: String) async throws {
                try await tx.record(Self.event(type, what, application, by: initiator))
            }
            if let action {
                try await tx.setDeprovisionAction(applicationId: application.id, action)
                try await record(.idmDeprovisionAction, action.rawValue)
            }
            if let allow = change.allowPrivateNetwork {
                try await tx.setAllowPrivateNetwork(applicationId: application.id, allow)
                try await tx.record(Self.networkPolicyEvent(allow, application: application, by: initiator))
            }
            if let rate {
                try await tx.setRateLimit(applicationId: application.id, rate)
                try await record(.idmRateLimit, rate.map { "\($0) requests per second" } ?? "none")
            }
        }
    }

    /// `50/s` or `50` requests per second (0.1 to 10,000), or `none`: nil.
    static func parseRate(_ text: String) throws -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if ["none", "off", "0"].contains(trimmed) { return nil }
        let number = trimmed.hasSuffix("/s") ? String(trimmed.dropLast(2)) : trimmed
        guard let rate = Double(number), rate.isFinite, (0.1...10_000).contains(rate) else {
            throw RosterError.invalid(
                "the rate limit must be requests per second like 50/s (0.1 to 10000), or none, not "
                    + "\"\(text.prefix(40))\"")
        }
        return rate
    }

    /// The application an administrator names (by name, or by id as the portal's links do).
    /// The connector preset with this id.
    public func preset(_ id: String) throws -> ConnectorPreset {
        try access.catalog.get().preset(id)
    }

    /// The connector presets whose id or name contains `search`.
    public func presets(search: String?) throws -> [ConnectorPreset] {
        try access.catalog.get().search(search)
    }

    public func find(_ name: String) async throws -> Application {
        try await lookup.application(name)
    }

    /// The application and its integration, if it has one.
    public func details(_ name: String, by initiator: Initiator) async throws -> (Application, Integration?) {
        try initiator.require(.read)
        let application = try await lookup.application(name)
        return (application, try await storage.integration(applicationId: application.id))
    }

    /// Applications whose name contains `search`, each with its integration.
    public func list(search: String?, by initiator: Initiator) async throws -> [(Application, Integration?)] {
        try initiator.require(.read)
        return try await storage.applications(search: search)
    }
}
