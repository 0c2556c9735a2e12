import Hummingbird
import Logging
import NIOCore
import RosterApp
import RosterCore
import SCIM

/// Per-request state: who is calling (set by ``APIKeyMiddleware`` or, in the Admin Portal,
/// ``PortalSessionMiddleware``) and from where.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var initiator: Initiator?
    /// The client's address: the socket's, or what a trusted proxy says (``ClientAddressMiddleware``).
    public var remoteAddress: String?
    /// Portal only: the signed-in session, the posted form and the message left by the last action.
    var session: AdminSession?
    var form = FormData("")
    var flash: Flash?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller; routes behind the middleware always have one.
    func caller() throws -> Initiator {
        guard let initiator else {
            throw HTTPError(.unauthorized, message: "send an API key: Authorization: Bearer <key>")
        }
        return initiator
    }
}

/// Authenticates `Authorization: Bearer <api key>`.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let keys: APIKeyService

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw HTTPError(
                .unauthorized,
                message: "send an API key: Authorization: Bearer <key> (create one with roster apikey create)")
        }
        var context = context
        context.initiator = try await keys.authenticate(
            apiKey: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), clientIp: context.remoteAddress,
            requestId: context.id)
        return try await next(request, context)
    }
}

/// Sends the request's id back as `X-Request-Id`: the same id is in the log lines of the
/// request and in the Insights events it made.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.id
        return response
    }
}

/// Tells browsers to come back over HTTPS only, when people reach Roster over HTTPS
/// (`ROSTER_PUBLIC_URL` is https://, usually behind a TLS proxy).
struct StrictTransportMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.init("Strict-Transport-Security")!] = "max-age=31536000; includeSubDomains"
        return response
    }
}

/// Turns domain errors into JSON errors with the status their case means.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // What fails before a route's own error handling (a body refused by its size or a NUL, a
        // method no route takes) is said in the language of the door it was knocked on.
        let scim = request.uri.path.hasPrefix("/scim/")
        func answer(_ status: HTTPResponse.Status, _ message: String, _ kind: SCIMProtocolError.Kind? = nil) throws
            -> Response
        {
            if scim { return try SCIMHTTP.error(.init(status.code, kind, message)) }
            return try errorResponse(status, message)
        }
        do {
            return try await next(request, context)
        } catch let error as RosterError {
            let status: HTTPResponse.Status =
                switch error {
                case .invalid: .badRequest
                case .notFound: .notFound
                case .conflict: .conflict
                case .versionConflict: .preconditionFailed
                case .forbidden: .forbidden
                case .unauthorized: .unauthorized
                case .serviceProvider: .badGateway
                case .internal: .internalServerError
                }
            if case .internal = error {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let kind: SCIMProtocolError.Kind? = if case .invalid = error { .invalidValue } else { nil }
            return try answer(status, error.publicMessage(requestId: context.id), kind)
        } catch let problem as IntegrationInput.Problem {
            return try answer(.badRequest, problem.description, .invalidValue)
        } catch let error as HTTPError {
            return try answer(error.status, error.body ?? error.status.reasonPhrase)
        } catch is NIOTooManyBytesError {
            return try answer(.contentTooLarge, "the body is larger than this request accepts")
        } catch is DecodingError {
            return try answer(
                .badRequest, "the request body is not the JSON this endpoint expects (see /openapi.yaml)",
                .invalidSyntax)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try answer(.internalServerError, RosterError.internal("").publicMessage(requestId: context.id))
        }
    }

    private func errorResponse(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        let data = try RosterJSON.encoder().encode(ErrorBody(error: .init(status: status.code, message: message)))
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Encodable {
    /// A JSON response in Roster's encoding (ISO 8601 dates, sorted keys); with `etag`, the
    /// resource's version as its ETag (`W/"3"`), which `If-Match` names back.
    func response(_ status: HTTPResponse.Status = .ok, etag: Int? = nil) throws -> Response {
        let data = try RosterJSON.encoder().encode(self)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let etag { headers[.eTag] = "W/\"\(etag)\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONTextWritable {
    /// The same response, its text written directly (a users page is most of the API's traffic).
    func response(_ status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: jsonText)))
    }
}

/// `{"error": {"status", "message"}}`: every API error looks like this.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        let status: Int
        let message: String
    }
    let error: Detail
}

extension RosterError {
    /// What a caller is told: the error's own sentence, except for Roster's own failures, whose text
    /// (a driver's or the database's) stays in the server log, found by the request's id.
    func publicMessage(requestId: String) -> String {
        guard case .internal = self else { return description }
        return "Roster failed to handle the request; the server log has details under request id \(requestId)"
    }
}
