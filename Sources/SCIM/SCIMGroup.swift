/// A SCIM Group (RFC 7643 §4.2).
public struct SCIMGroup: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var value: String
        public var display: String?
        public init(value: String, display: String? = nil) {
            self.value = value
            self.display = display
        }
    }

    public var id: String?
    public var externalId: String?
    public var displayName: String
    public var members: [Member]

    public init(id: String? = nil, externalId: String? = nil, displayName: String, members: [Member] = []) {
        self.id = id
        self.externalId = externalId
        self.displayName = displayName
        self.members = members
    }

    public init(json: JSONValue) {
        id = json["id"]?.text
        externalId = json["externalId"]?.text
        displayName = json["displayName"]?.text ?? ""
        members = (json["members"]?.elements ?? []).compactMap { member in
            member["value"]?.text.map { Member(value: $0, display: member["display"]?.text) }
        }
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.group)]),
            "displayName": .string(displayName),
            "members": .array(
                members.map { member in
                    var entry: [String: JSONValue] = ["value": .string(member.value)]
                    if let display = member.display { entry["display"] = .string(display) }
                    return .object(entry)
                }),
        ]
        if let externalId { object["externalId"] = .string(externalId) }
        return .object(object)
    }
}

/// A PATCH request (RFC 7644 §3.5.2).
public struct PatchRequest: Sendable, Hashable {
    public struct Operation: Sendable, Hashable {
        public enum Op: String, Sendable { case add, remove, replace }
        public var op: Op
        public var path: String?
        public var value: JSONValue?
        public init(_ op: Op, path: String? = nil, value: JSONValue? = nil) {
            self.op = op
            self.path = path
            self.value = value
        }
    }

    public var operations: [Operation]
    public init(_ operations: [Operation]) {
        self.operations = operations
    }

    public var json: JSONValue {
        .object([
            "schemas": .array([.string(SCIMSchema.patchOp)]),
            "Operations": .array(
                operations.map { operation in
                    var entry: [String: JSONValue] = ["op": .string(operation.op.rawValue)]
                    if let path = operation.path { entry["path"] = .string(path) }
                    if let value = operation.value { entry["value"] = value }
                    return .object(entry)
                }),
        ])
    }
}

extension SCIMClient {
    /// Creates a user; a timed-out POST is not retried (it may have created the user).
    public func createUser(_ user: SCIMUser) async throws -> SCIMUser {
        SCIMUser(json: try await send(.POST, "/Users", body: user.json, idempotent: false).body)
    }

    /// A user with its version, for `If-Match` (the `ETag` header, else `meta.version`).
    public func userWithVersion(id: String) async throws -> (SCIMUser, String?) {
        let response = try await send(.GET, "/Users/\(Self.pathComponent(id))")
        let user = SCIMUser(json: response.body)
        return (user, response.etag ?? user.version)
    }

    public func replaceUser(id: String, with user: SCIMUser, etag: String? = nil) async throws -> SCIMUser {
        SCIMUser(
            json: try await send(
                .PUT, "/Users/\(Self.pathComponent(id))", body: user.json,
                headers: etag.map { [("If-Match", $0)] } ?? []
            ).body)
    }

    public func patchUser(id: String, _ patch: PatchRequest, etag: String? = nil) async throws {
        _ = try await send(
            .PATCH, "/Users/\(Self.pathComponent(id))", body: patch.json,
            headers: etag.map { [("If-Match", $0)] } ?? [], idempotent: false)
    }

    public func deleteUser(id: String) async throws {
        _ = try await send(.DELETE, "/Users/\(Self.pathComponent(id))")
    }

    public func createGroup(_ group: SCIMGroup) async throws -> SCIMGroup {
        SCIMGroup(json: try await send(.POST, "/Groups", body: group.json, idempotent: false).body)
    }

    public func group(id: String) async throws -> SCIMGroup {
        SCIMGroup(json: try await send(.GET, "/Groups/\(Self.pathComponent(id))").body)
    }

    public func patchGroup(id: String, _ patch: PatchRequest) async throws {
        _ = try await send(.PATCH, "/Groups/\(Self.pathComponent(id))", body: patch.json, idempotent: false)
    }

    public func deleteGroup(id: String) async throws {
        _ = try await send(.DELETE, "/Groups/\(Self.pathComponent(id))")
    }
}
