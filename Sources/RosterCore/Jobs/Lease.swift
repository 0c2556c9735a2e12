import Synchronization

/// Whether this worker still holds a job's lease, shared between the job and its renewer.
public final class Lease: Sendable {
    private let lost = Mutex(false)
    public init() {}
    public var isHeld: Bool { !lost.withLock { $0 } }
    func lose() { lost.withLock { $0 = true } }
}
