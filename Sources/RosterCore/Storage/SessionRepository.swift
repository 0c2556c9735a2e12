import Foundation

public protocol SessionRepository: Sendable {
    func createSession(_ session: AdminSession) async throws
    func session(tokenHash: String) async throws -> AdminSession?
    func extendSession(tokenHash: String, expires: Date) async throws
    func deleteSession(tokenHash: String) async throws
    /// Counts a failed sign-in for the email and answers the failures in a row.
    func recordSignInFailure(emailKey: String, now: Date) async throws -> Int
    func lockSignIn(emailKey: String, until: Date) async throws
    func signInLock(emailKey: String) async throws -> Date?
    func clearSignInFailures(emailKey: String) async throws
}
