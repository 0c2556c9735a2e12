import Foundation

public protocol SessionRepository: Sendable {
    func createSession(_ session: AdminSession) async throws
    func session(tokenHash: String) async throws -> AdminSession?
    func extendSession(tokenHash: String, expires: Date) async throws
    func setSessionStage(tokenHash: String, stage: AdminSession.Stage) async throws
    func deleteSession(tokenHash: String) async throws
    /// Ends every session of the administrator (sign out everywhere, disabling, a new password).
    func deleteSessions(administratorId: UUID) async throws
    /// Counts one sign-in attempt against `key` (an email or a client address) in one statement,
    /// so parallel attempts all count: the attempts so far in the window, and the lock if any.
    /// A window older than `window` whose lock is over starts again at one.
    func countSignInAttempt(key: String, now: Date, window: TimeInterval) async throws -> (
        attempts: Int, lockedUntil: Date?
    )
    func lockSignIn(key: String, until: Date) async throws
    func signInLock(key: String) async throws -> Date?
    /// Forgets the attempts of `key` (a successful sign-in, an administrator's unlock).
    func clearSignIn(key: String) async throws
    /// Takes one attempt back (the attempt of a sign-in that succeeded).
    func uncountSignInAttempt(key: String) async throws
}
