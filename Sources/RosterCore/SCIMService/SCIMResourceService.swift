import SCIM

/// What the SCIM service does with one resource type (RFC 7644 §3): users and groups answer the
/// same operations, so the HTTP layer routes both one way. `projection` is the answer's
/// `attributes`/`excludedAttributes`: what it leaves out need not be read.
public protocol SCIMResourceService: Sendable {
    func get(id: String, projection: SCIMProjection, by initiator: Initiator) async throws -> JSONValue
    func create(_ json: JSONValue, projection: SCIMProjection, by initiator: Initiator) async throws -> JSONValue
    func replace(id: String, _ json: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator)
        async throws -> JSONValue
    func patch(id: String, _ body: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator)
        async throws -> JSONValue
    func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws
    func list(_ query: SCIMListQuery, by initiator: Initiator) async throws -> SCIMList
}
