import Hummingbird

/// Behind a reverse proxy every request comes from the proxy: the sign-in throttle, Insights and the
/// API-key failure events would all see one address. When the socket's peer is a trusted proxy,
/// the client is the last address in `X-Forwarded-For` that is not itself a trusted proxy; a
/// header from anyone else is ignored, so a client cannot choose its own address.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let trusted: Set<String>

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        guard let peer = context.remoteAddress, trusted.contains(peer),
            let header = request.headers[values: .init("X-Forwarded-For")!].last
        else { return try await next(request, context) }
        var context = context
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        context.remoteAddress = hops.last { !trusted.contains($0) } ?? hops.first ?? peer
        return try await next(request, context)
    }
}
