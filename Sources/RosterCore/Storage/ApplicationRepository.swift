import Foundation
import SCIM

public protocol ApplicationRepository: Sendable {
    /// Throws ``RosterError/conflict(_:)`` when the name is taken (case-insensitively).
    func createApplication(_ application: Application) async throws
    func application(named name: String) async throws -> Application?
    func application(id: UUID) async throws -> Application?
    /// Applications whose name contains `search`, each with its integration, in one query.
    func applications(search: String?) async throws -> [(Application, Integration?)]
    /// Creates or replaces the integration's URL and credentials (and status).
    func saveIntegration(_ integration: Integration) async throws
    func setIntegrationStatus(applicationId: UUID, status: Integration.Status) async throws
    func setAllowPrivateNetwork(applicationId: UUID, _ allowed: Bool) async throws
    func setRateLimit(applicationId: UUID, _ requestsPerSecond: Double?) async throws
    /// Remembers what a connection test learned, without touching the status.
    func recordConnection(applicationId: UUID, serviceProvider: ServiceProviderConfig?, lastError: String?) async throws
    /// Remembers what the application's listings leave out (replacing what was known).
    func recordListingFallbacks(applicationId: UUID, _ fallbacks: ListingFallbacks) async throws
    func integration(applicationId: UUID) async throws -> Integration?
}
