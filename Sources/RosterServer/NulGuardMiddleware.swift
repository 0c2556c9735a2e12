import Hummingbird
import NIOCore
import RosterCore

/// Refuses a request whose query or body carries a NUL character (`%00`, `\u0000` or a raw zero
/// byte): no name, search or password needs one, and PostgreSQL refuses to store one, which would
/// surface as a server error deep inside. Said once, here, as a 400 with a sentence.
struct NulGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The largest body read to check; larger ones are refused by the routes' own limits anyway.
    let maxBody = 4 * 1024 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if (request.uri.query ?? "").lowercased().contains("%00") { throw Self.refusal }
        guard request.method == .post || request.method == .put || request.method == .patch else {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: maxBody)
        let text = String(buffer: body).lowercased()
        if body.readableBytesView.contains(0) || text.contains("%00") || text.contains("\\u0000") {
            throw Self.refusal
        }
        return try await next(request, context)
    }

    static var refusal: RosterError {
        .invalid("the request contains a NUL character, which Roster does not accept")
    }
}
