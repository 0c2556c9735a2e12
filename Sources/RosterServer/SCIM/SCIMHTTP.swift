import Foundation
import Hummingbird
import NIOCore
import RosterCore
import SCIM

/// How the SCIM service speaks HTTP: `application/scim+json` out, SCIM error resources with the
/// status and `scimType` their cause means (RFC 7644 §3.12), bodies up to ``maxBody``.
enum SCIMHTTP {
    static let contentType = "application/scim+json"
    static let maxBody = SCIMServiceDocuments.maxBody

    static func response(_ json: JSONValue, status: HTTPResponse.Status = .ok, location: String? = nil) throws
        -> Response
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: contentType]
        if let version = json["meta"]?["version"]?.text { headers[.eTag] = version }
        if let location { headers[.location] = location }
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(json))))
    }

    static func error(_ error: SCIMProtocolError) throws -> Response {
        var response = try response(error.json, status: .init(code: error.status))
        response.headers[.eTag] = nil
        return response
    }

    /// The request's body as JSON, or the SCIM error that says why it is not.
    static func body(_ request: Request) async throws -> JSONValue {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBody) } catch let refusal as RosterError {
            throw refusal
        } catch {
            throw SCIMProtocolError(413, nil, "the body is larger than \(maxBody) bytes, the most Roster reads")
        }
        do { return try JSONParser.parse(buffer.readableBytesView) } catch let error as JSONParser.SyntaxError {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the body is not JSON: \(error.description)")
        }
    }

    /// Every query parameter, decoded.
    static func parameters(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[Request.formDecoded(parts[0])] = parts.count > 1 ? Request.formDecoded(parts[1]) : ""
        }
        return result
    }
}

/// Turns every failure under /scim/v2 into a SCIM error resource.
struct SCIMErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as SCIMProtocolError {
            return try SCIMHTTP.error(error)
        } catch let error as RosterError {
            let scimError: SCIMProtocolError =
                switch error {
                case .invalid(let m): .badRequest(.invalidValue, m)
                case .notFound(let m): .notFound(m)
                case .conflict(let m): .init(409, .uniqueness, m)
                case .versionConflict(let m): .init(412, nil, m)
                case .forbidden(let m): .init(403, nil, m)
                case .unauthorized(let m): .init(401, nil, m)
                case .serviceProvider(let m): .init(502, nil, m)
                case .internal: .init(500, nil, error.publicMessage(requestId: context.id))
                }
            if case .internal = error {
                context.logger.error("SCIM request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            var response = try SCIMHTTP.error(scimError)
            if case .unauthorized = error { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        } catch let error as HTTPError {
            var response = try SCIMHTTP.error(
                .init(Int(error.status.code), nil, error.body ?? error.status.reasonPhrase))
            if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        } catch {
            context.logger.error("SCIM request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try SCIMHTTP.error(.init(500, nil, RosterError.internal("").publicMessage(requestId: context.id)))
        }
    }
}
