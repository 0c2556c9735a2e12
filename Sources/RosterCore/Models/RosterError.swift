/// A domain error with a message an administrator can act on; each door maps the case to
/// its own status (HTTP code, exit code).
public enum RosterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad input from an administrator or API client.
    case invalid(String)
    case notFound(String)
    case conflict(String)
    /// The resource changed since the version the caller read (HTTP 412): nothing was written.
    case versionConflict(String)
    case forbidden(String)
    case unauthorized(String)
    /// The service provider could not be reached or understood: the application's fault.
    case serviceProvider(String)
    /// Roster itself failed (its database, its disk): never the application's fault, so it
    /// never counts towards quarantine (HTTP 500, exit 1).
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalid(let m), .notFound(let m), .conflict(let m), .versionConflict(let m), .forbidden(let m),
            .unauthorized(let m), .serviceProvider(let m), .internal(let m):
            m
        }
    }

    /// The text Roster stores with a failed job, import, push or connection test, where the portal
    /// and a readonly key read it: Roster's own failures keep their text (a driver's message, a path
    /// on the server) in the log, which each caller writes beside it.
    public var stored: String {
        guard case .internal = self else { return description }
        return "Roster failed inside (not the application's fault); the log of the instance that ran it has why"
    }

    /// Whether the application, rather than Roster or its administrator, is to blame.
    public var isServiceProviderFailure: Bool {
        if case .serviceProvider = self { return true }
        return false
    }
}
