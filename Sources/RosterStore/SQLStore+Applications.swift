import Foundation
import RosterCore
import SCIM
import SQLKit

extension SQLStore: ApplicationRepository {
    public func createApplication(_ application: Application) async throws {
        try await withDB { db in
            let rows = try await db.raw(
                """
                INSERT INTO applications (id, name, name_key, description, created, preset) VALUES
                  (\(bind: application.id.text),
                \(bind: application.name), \(bind: application.name.lowercased()), \(bind: application.description),
                \(bind: application.created.millis), \(bind: application.preset)) ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            if rows.isEmpty {
                throw RosterError.conflict("an application named \"\(application.name)\" already exists")
            }
        }
    }

    public func application(named name: String) async throws -> Application? {
        try await read { db in
            try await db.raw("SELECT * FROM applications WHERE name_key = \(bind: name.lowercased())").first().map(
                Self.application)
        }
    }

    public func application(id: UUID) async throws -> Application? {
        try await read { db in
            try await db.raw("SELECT * FROM applications WHERE id = \(bind: id.text)").first().map(Self.application)
        }
    }

    public func applications(search: String?) async throws -> [(Application, Integration?)] {
        let rows = try await read { db in
            let pattern = "%" + (search ?? "").lowercased() + "%"
            return try await db.raw(
                """
                SELECT a.*, i.application_id AS integrated, i.base_url, i.credentials, i.status, i.last_error,
                  i.allow_private_network, i.rate_limit, i.listing_fallbacks,
                  i.service_provider,
                  i.updated FROM applications a LEFT JOIN integrations i ON i.application_id = a.id
                WHERE a.name_key LIKE \(bind: pattern) ORDER BY a.name_key
                """
            ).all()
        }
        return try rows.map { row in
            (
                try Self.application(row),
                try row.optionalString("integrated") == nil ? nil : try integration(row, idColumn: "integrated")
            )
        }
    }

    public func saveIntegration(_ integration: Integration) async throws {
        let sealed = try secrets.seal(try JSONEncoder().encode(integration.credentials))
        let provider = try integration.serviceProvider.map(jsonText)
        let i = integration
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO integrations (application_id, base_url, credential_kind, credentials, status, last_error,
                  service_provider, updated, allow_private_network)
                VALUES (\(bind: i.applicationId.text), \(bind: i.baseURL), \(bind: i.credentials.kind), \(bind: sealed),
                  \(bind: i.status.rawValue), \(bind: i.lastError), \(bind: provider), \(bind: Date().millis),
                  \(bind: i.allowPrivateNetwork ? 1 : 0))
                ON CONFLICT (application_id) DO UPDATE SET base_url = excluded.base_url,
                  credential_kind = excluded.credential_kind, credentials = excluded.credentials, status =
                    excluded.status,
                  last_error = excluded.last_error, service_provider = excluded.service_provider, updated =
                    excluded.updated,
                  allow_private_network = excluded.allow_private_network,
                  listing_fallbacks = CASE WHEN integrations.base_url = excluded.base_url
                    THEN integrations.listing_fallbacks END
                """
            ).run()
        }
    }

    public func setRateLimit(applicationId: UUID, _ requestsPerSecond: Double?) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE integrations SET rate_limit = \(bind: requestsPerSecond), updated = \(bind: Date().millis)
                WHERE application_id = \(bind: applicationId.text)
                """
            ).run()
        }
    }

    public func setAllowPrivateNetwork(applicationId: UUID, _ allowed: Bool) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE integrations SET allow_private_network = \(bind: allowed ? 1 : 0), updated =
                  \(bind: Date().millis)
                WHERE application_id = \(bind: applicationId.text)
                """
            ).run()
        }
    }

    public func setIntegrationStatus(applicationId: UUID, status: Integration.Status) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE integrations SET status = \(bind: status.rawValue), updated = \(bind: Date().millis)
                WHERE application_id = \(bind: applicationId.text)
                """
            ).run()
        }
    }

    public func recordConnection(applicationId: UUID, serviceProvider: ServiceProviderConfig?, lastError: String?)
        async throws
    {
        let provider = try serviceProvider.map(jsonText)
        try await withDB { db in
            try await db.raw(
                """
                UPDATE integrations SET service_provider = \(bind: provider), last_error = \(bind: lastError),
                updated = \(bind: Date().millis) WHERE application_id = \(bind: applicationId.text)
                """
            ).run()
        }
    }

    public func recordListingFallbacks(applicationId: UUID, _ fallbacks: ListingFallbacks) async throws {
        let text = fallbacks.isEmpty ? nil : try jsonText(fallbacks)
        try await withDB { db in
            try await db.raw(
                """
                UPDATE integrations SET listing_fallbacks = \(bind: text), updated = \(bind: Date().millis)
                WHERE application_id = \(bind: applicationId.text)
                """
            ).run()
        }
    }

    public func integration(applicationId: UUID) async throws -> Integration? {
        guard
            // A reader: every SCIM call reads its integration, and never waits for the write connection.
            let row = try await read({ db in
                try await db.raw("SELECT * FROM integrations WHERE application_id = \(bind: applicationId.text)")
                    .first()
            })
        else { return nil }
        return try integration(row)
    }

    /// An integration row (its credentials decrypted).
    func integration(_ row: any SQLRow, idColumn: String = "application_id") throws -> Integration {
        let credentials = try JSONDecoder().decode(
            Credentials.self, from: try secrets.open(try row.string("credentials")))
        return Integration(
            applicationId: try row.uuid(idColumn), baseURL: try row.string("base_url"), credentials: credentials,
            status: .init(rawValue: try row.string("status")) ?? .error,
            lastError: try row.optionalString("last_error"),
            serviceProvider: try row.optionalString("service_provider").map {
                try JSONDecoder().decode(ServiceProviderConfig.self, from: Data($0.utf8))
            },
            updated: try row.date("updated"), allowPrivateNetwork: try row.int("allow_private_network") != 0,
            rateLimit: try row.decode(column: "rate_limit", as: Double?.self),
            listingFallbacks: try row.optionalString("listing_fallbacks").map {
                try JSONDecoder().decode(ListingFallbacks.self, from: Data($0.utf8))
            } ?? .init())
    }

    static func application(_ row: any SQLRow) throws -> Application {
        Application(
            id: try row.uuid("id"), name: try row.string("name"), description: try row.optionalString("description"),
            created: try row.date("created"), preset: try row.optionalString("preset"))
    }
}
