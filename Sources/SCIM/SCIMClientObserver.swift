/// Told about every exchange with a service provider, for metrics; the client works the same without one.
public protocol SCIMClientObserver: Sendable {
    /// One exchange ended with `status` (nil: no answer) after `duration` (nil when not timed).
    func exchanged(method: String, path: String, status: Int?, duration: Duration?)
    /// A request is sent again, because of `status` (nil: a timeout or a broken connection).
    func retrying(status: Int?)
}
