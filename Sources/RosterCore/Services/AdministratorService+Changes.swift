/// The offboarding changes that name an administrator and nothing else, as every door offers them
/// (`roster admin disable`, `POST /api/v1/administrators/{email}/disable`, the portal's buttons),
/// each with the one sentence that says what it did.
extension AdministratorService {
    public enum Change: String, Sendable, CaseIterable {
        case disable, enable, delete, unlock
        case resetMFA = "reset-mfa"
    }

    /// What stopped with an owner, to set again with another owner.
    public static func stoppedSchedules(_ applications: [String]) -> String {
        guard !applications.isEmpty else { return "" }
        return "; their scheduled imports of \(applications.joined(separator: ", ")) stopped: set them again with "
            + "another owner (roster app schedule APP … --as EMAIL)"
    }

    /// Makes `change` to the administrator and says what happened, for the person who asked.
    @discardableResult
    public func apply(_ change: Change, email: String, by initiator: Initiator) async throws -> String {
        switch change {
        case .disable:
            let stopped = try await disable(email: email, by: initiator)
            return "\(email) is disabled: their sessions ended and their API keys no longer work"
                + Self.stoppedSchedules(stopped)
        case .enable:
            try await enable(email: email, by: initiator)
            return "\(email) is enabled again"
        case .delete:
            let stopped = try await delete(email: email, by: initiator)
            return "\(email) and their API keys were deleted (what they did stays in Insights)"
                + Self.stoppedSchedules(stopped)
        case .unlock:
            try await unlock(email: email, by: initiator)
            return "\(email) can sign in again"
        case .resetMFA:
            try await resetMFA(email: email, by: initiator)
            return "the second factor of \(email) was removed: they set up a new one at their next sign-in"
        }
    }
}
