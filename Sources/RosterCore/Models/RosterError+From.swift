import SCIM

extension RosterError {
    /// The administrator-facing form of any error: a provider's failure stays the provider's,
    /// a bad filter is bad input, and anything else (a database error) is Roster's own.
    public static func from(_ error: any Error) -> RosterError {
        switch error {
        case let error as RosterError: error
        // A call Roster refused to make is the configuration's matter, not the provider's.
        case let error as SCIMClientError where error.kind == .refused: .invalid(error.description)
        case let error as SCIMClientError: .serviceProvider(error.description)
        case let error as SCIMFilterError: .invalid(error.description)
        // Reflecting: a driver's error (PostgreSQL's) describes itself without its message.
        default: .internal("Roster failed: \(String(reflecting: error))")
        }
    }
}
