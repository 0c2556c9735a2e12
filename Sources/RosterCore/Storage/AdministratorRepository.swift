import Foundation

public protocol AdministratorRepository: Sendable {
    func createAdministrator(_ administrator: Administrator) async throws
    func administrator(email: String) async throws -> Administrator?
    func administrator(id: UUID) async throws -> Administrator?
    func administrators() async throws -> [Administrator]
    func createAPIKey(_ key: APIKey) async throws
    func apiKey(hash: String) async throws -> APIKey?
    func apiKeys() async throws -> [APIKey]
}
