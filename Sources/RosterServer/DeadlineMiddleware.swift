import Hummingbird
import RosterCore

/// Answers 503 when a request's own work outlives `deadline` (``RequestBudget/deadline``), and
/// cancels that work: the loops that can run long (a filter over many users, a page being written)
/// stop at their next check. Only for routes whose work is Roster's own; a call that waits on an
/// application's SCIM server is bounded by that client's timeouts instead.
struct DeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    var deadline = RequestBudget.deadline
    /// Which requests it holds to the deadline; the others pass untouched.
    var applies: @Sendable (Request) -> Bool = { _ in true }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard applies(request) else { return try await next(request, context) }
        let deadline = deadline
        // The group waits for the work to end, which cancellation makes it do; `next` is called once,
        // by the child, while this call waits for it: it does not outlive this call.
        return try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let work = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await work(request, context) }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw HTTPError(
                        .serviceUnavailable,
                        message: "the request took longer than \(deadline.components.seconds) s, the most Roster "
                            + "gives one request; it was stopped: ask for less (a smaller page, a narrower filter)")
                }
                return response
            }
        }
    }
}
