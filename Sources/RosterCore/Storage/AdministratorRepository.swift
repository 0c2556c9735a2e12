import Foundation

public protocol AdministratorRepository: Sendable {
    func createAdministrator(_ administrator: Administrator) async throws
    func administrator(email: String) async throws -> Administrator?
    func administrator(id: UUID) async throws -> Administrator?
    func administrators() async throws -> [Administrator]
    /// The administrator, locked until the transaction it is read in ends.
    func lockAdministrator(email: String) async throws -> Administrator?
    /// Every administrator, locked until the transaction ends: a rule over all of them (the last
    /// active admin stays) holds however many change at once.
    func lockAdministrators() async throws -> [Administrator]
    /// Saves role, password hash, disabled and the MFA secrets.
    func updateAdministrator(_ administrator: Administrator) async throws
    /// Deletes the administrator with their sessions, API keys and recovery codes.
    func deleteAdministrator(id: UUID) async throws
    func createAPIKey(_ key: APIKey) async throws
    func apiKey(hash: String) async throws -> APIKey?
    func apiKey(id: UUID) async throws -> APIKey?
    func apiKeys() async throws -> [APIKey]
    /// Revokes the key and every key made with it, however far down; answers how many were revoked.
    func revokeAPIKey(id: UUID, at: Date) async throws -> Int
    func touchAPIKey(id: UUID, at: Date) async throws
    /// Replaces the administrator's recovery codes (their hashes).
    func saveRecoveryCodes(administratorId: UUID, hashes: [String]) async throws
    /// Uses a recovery code once; false when there is no such unused code.
    func useRecoveryCode(administratorId: UUID, hash: String, now: Date) async throws -> Bool
    /// Accepts a TOTP time step once: false when this step or a later one was already used
    /// (a code cannot be replayed, not even on another instance).
    func acceptTOTPStep(administratorId: UUID, step: Int64) async throws -> Bool
}
