/// A domain error with a message an administrator can act on; each door maps the case to
/// its own status (HTTP code, exit code).
public enum RosterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad input from an administrator or API client.
    case invalid(String)
    case notFound(String)
    case conflict(String)
    case forbidden(String)
    case unauthorized(String)
    /// The service provider could not be reached or understood.
    case serviceProvider(String)

    public var description: String {
        switch self {
        case .invalid(let m), .notFound(let m), .conflict(let m), .forbidden(let m), .unauthorized(let m),
             .serviceProvider(let m): m
        }
    }
}
