import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// `/scim/v2`: Roster as a SCIM 2.0 service provider (RFC 7643, RFC 7644). Every route needs a
/// Roster API key; readonly keys may only read (the domain checks, as for every door).
struct SCIMController {
    let roster: Roster

    var base: String { roster.configuration.publicURL + "/scim/v2" }

    func addRoutes(to router: Router<APIContext>) {
        let scim = router.group("scim/v2").add(middleware: SCIMErrorMiddleware())
            .add(middleware: APIKeyMiddleware(keys: roster.keys)).add(middleware: DeadlineMiddleware())
        addDiscovery(to: scim)
        addResource("Users", roster.domain.scimUsers, to: scim)
        addResource("Groups", roster.domain.scimGroups, to: scim)
        // RFC 7644 §3.7: Bulk is optional, and its absence is said with 501 (ServiceProviderConfig says so too).
        scim.post("Bulk") { _, _ -> Response in
            throw SCIMProtocolError(501, nil, "Roster does not take bulk requests: send each operation on its own")
        }
        scim.post(".search") { request, context in
            // A search at the root covers every resource type (RFC 7644 §3.4.3): the users, then the
            // groups, each in its own order; an index or a position cursor counts across both.
            let query = try SCIMListQuery(searchRequest: try await SCIMHTTP.body(request))
            return try SCIMHTTP.response(try await rootSearch(query, by: try context.scimCaller()).json)
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            scim.on("**", method: method) { request, _ -> Response in
                throw SCIMProtocolError.notFound("\(request.uri.path) is not a SCIM endpoint of Roster")
            }
            // A client set up with SCIM 1.1's address (RFC 7644 §3.13 has this error for it).
            router.group("scim/v1").add(middleware: SCIMErrorMiddleware()).on("**", method: method) {
                _, _ -> Response in
                throw SCIMProtocolError.badRequest(.invalidVers, "Roster speaks SCIM 2.0 only, at /scim/v2")
            }
        }
    }

    /// The page `query` asks for out of every user then every group.
    private func rootSearch(_ query: SCIMListQuery, by caller: Initiator) async throws -> SCIMList {
        let start: Int
        switch query.cursor {
        case nil: start = query.startIndex - 1  // bounded: startIndex is 1 to SCIMCursor.maxPosition
        case .first?: start = 0
        case .position(let position)?: start = position
        case .after?: throw SCIMProtocolError.badRequest(.invalidCursor, "the cursor is one of /Users, not of /.search")
        }
        func page(_ service: some SCIMResourceService, from: Int, count: Int) async throws -> SCIMList {
            var part = query
            part.cursor = nil
            part.startIndex = from + 1  // bounded: from is at most start, itself at most maxPosition
            part.count = count
            return try await service.list(part, by: caller)
        }
        let users = try await page(roster.domain.scimUsers, from: start, count: query.count)
        let fromGroups = Swift.max(0, start - users.total)  // bounded: both are non-negative
        let groups = try await page(
            roster.domain.scimGroups, from: fromGroups, count: query.count - users.resources.count)
        let resources = users.resources + groups.resources
        let total = CheckedNumber.saturatingAdd(users.total, groups.total)
        let end = CheckedNumber.saturatingAdd(start, resources.count)
        return SCIMList(
            total: total, startIndex: start + 1, resources: resources,  // bounded: start ≤ maxPosition
            nextCursor: query.cursor != nil && end < total ? SCIMCursor.position(end).token : nil)
    }

    private func addDiscovery(to scim: RouterGroup<APIContext>) {
        let base = self.base
        @Sendable func list(_ resources: [JSONValue]) -> JSONValue {
            SCIMList(total: resources.count, startIndex: 1, resources: resources).json
        }
        @Sendable func one(_ resources: [JSONValue], _ id: String, _ what: String) throws -> JSONValue {
            guard let found = resources.first(where: { $0["id"]?.text == id }) else {
                throw SCIMProtocolError.notFound("there is no \(what) \(id)")
            }
            return found
        }
        let attributes = roster.attributes
        // Roster's extension schema lists the custom attributes declared at the time of the request.
        @Sendable func schemas(_ caller: Initiator) async throws -> [JSONValue] {
            SCIMServiceDocuments.schemas(base: base, custom: try await attributes.list(by: caller))
        }
        @Sendable func types(_ caller: Initiator) async throws -> [JSONValue] {
            SCIMServiceDocuments.resourceTypes(base: base, custom: try await attributes.list(by: caller))
        }
        let documents: [(String, @Sendable (String?, Initiator) async throws -> JSONValue)] = [
            ("ServiceProviderConfig", { _, _ in SCIMServiceDocuments.serviceProviderConfig(base: base) }),
            ("ResourceTypes", { _, caller in list(try await types(caller)) }),
            ("ResourceTypes/:id", { id, caller in try one(try await types(caller), id ?? "", "resource type") }),
            ("Schemas", { _, caller in list(try await schemas(caller)) }),
            ("Schemas/:id", { id, caller in try one(try await schemas(caller), id ?? "", "schema") }),
        ]
        for (path, document) in documents {
            scim.get(RouterPath(stringLiteral: path)) { _, context in
                let caller = try context.scimCaller()
                // A schema's id is a URN, which clients may send percent-encoded.
                let id = context.parameters.get("id").map { $0.removingPercentEncoding ?? $0 }
                return try SCIMHTTP.response(try await document(id, caller))
            }
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                scim.on(RouterPath(stringLiteral: path), method: method) { _, _ -> Response in
                    var response = try SCIMHTTP.error(.init(405, nil, "\(path) is read-only: only GET is allowed"))
                    response.headers[.allow] = "GET"
                    return response
                }
            }
        }
    }

    /// `/Users` or `/Groups`: list, search, create, and each resource's read, replace, patch, delete.
    private func addResource(_ name: String, _ service: some SCIMResourceService, to scim: RouterGroup<APIContext>) {
        scim.get(RouterPath(stringLiteral: name)) { request, context in
            let query = try SCIMListQuery(parameters: SCIMHTTP.parameters(request))
            return try SCIMHTTP.response(try await service.list(query, by: try context.scimCaller()).json)
        }
        scim.post(RouterPath(stringLiteral: "\(name)/.search")) { request, context in
            let query = try SCIMListQuery(searchRequest: try await SCIMHTTP.body(request))
            return try SCIMHTTP.response(try await service.list(query, by: try context.scimCaller()).json)
        }
        scim.post(RouterPath(stringLiteral: name)) { request, context in
            let projection = try SCIMHTTP.projection(request)
            let created = try await service.create(
                try await SCIMHTTP.body(request), projection: projection, by: try context.scimCaller())
            var response = try SCIMHTTP.response(
                projection.apply(created), status: .created, location: created["meta"]?["location"]?.text)
            // The version goes with the answer whatever the projection left out of the body.
            if let version = created["meta"]?["version"]?.text { response.headers[.eTag] = version }
            return response
        }
        let one = RouterPath(stringLiteral: "\(name)/:id")
        scim.get(one) { request, context in
            let resource = try await service.get(
                id: try context.parameters.require("id"), projection: try SCIMHTTP.projection(request),
                by: try context.scimCaller())
            return try SCIMHTTP.single(resource, request)
        }
        scim.put(one) { request, context in
            let id = try context.parameters.require("id")
            try await SCIMHTTP.refuseIfNoneMatch(request, caller: try context.scimCaller()) {
                try await service.get(id: id, projection: .init(), by: $0)
            }
            let resource = try await service.replace(
                id: try context.parameters.require("id"), try await SCIMHTTP.body(request),
                ifMatch: request.headers[.ifMatch], projection: try SCIMHTTP.projection(request),
                by: try context.scimCaller())
            return try SCIMHTTP.single(resource, request)
        }
        scim.patch(one) { request, context in
            let id = try context.parameters.require("id")
            try await SCIMHTTP.refuseIfNoneMatch(request, caller: try context.scimCaller()) {
                try await service.get(id: id, projection: .init(), by: $0)
            }
            let resource = try await service.patch(
                id: try context.parameters.require("id"), try await SCIMHTTP.body(request),
                ifMatch: request.headers[.ifMatch], projection: try SCIMHTTP.projection(request),
                by: try context.scimCaller())
            return try SCIMHTTP.single(resource, request)
        }
        scim.delete(one) { request, context in
            try await service.delete(
                id: try context.parameters.require("id"), ifMatch: request.headers[.ifMatch],
                by: try context.scimCaller())
            return Response(status: .noContent)
        }
    }
}

extension APIContext {
    /// The caller, its changes marked as made through the SCIM service.
    func scimCaller() throws -> Initiator {
        var initiator = try caller()
        initiator.channel = "scim"
        return initiator
    }
}

extension SCIMHTTP {
    /// The request's `attributes`/`excludedAttributes` (RFC 7644 §3.4.2.5).
    static func projection(_ request: Request) throws -> SCIMProjection {
        let parameters = parameters(request)
        func value(_ name: String) -> String? { parameters.first { $0.key.lowercased() == name }?.value }
        return try SCIMProjection(attributes: value("attributes"), excluded: value("excludedattributes"))
    }

    /// One resource, projected as `attributes`/`excludedAttributes` ask; 304 when the client's
    /// `If-None-Match` names its version.
    static func single(_ resource: JSONValue, _ request: Request) throws -> Response {
        let projection = try projection(request)
        if request.method == .get, let version = resource["meta"]?["version"]?.text, matchesNone(request, version) {
            return Response(status: .notModified, headers: [.eTag: version])
        }
        var response = try response(projection.apply(resource))
        if let version = resource["meta"]?["version"]?.text { response.headers[.eTag] = version }
        return response
    }

    /// Whether `If-None-Match` names `version` (or any, `*`).
    static func matchesNone(_ request: Request, _ version: String) -> Bool {
        guard let tags = request.headers[.ifNoneMatch] else { return false }
        return tags == "*"
            || tags.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(version)
    }

    /// A write with `If-None-Match` naming the resource's version (or `*`: it exists) is refused with
    /// 412 before anything is written (RFC 7232 §3.2); `current` reads the resource as `caller`.
    static func refuseIfNoneMatch(
        _ request: Request, caller: Initiator, current: (Initiator) async throws -> JSONValue
    ) async throws {
        guard request.headers[.ifNoneMatch] != nil else { return }
        let version = try await current(caller)["meta"]?["version"]?.text ?? ""
        if matchesNone(request, version) {
            throw SCIMProtocolError(
                412, nil, "If-None-Match names the resource as it is (\(version)): nothing was changed")
        }
    }
}
