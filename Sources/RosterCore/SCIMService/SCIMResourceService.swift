import SCIM

/// What the SCIM service does with one resource type (RFC 7644 §3): users and groups answer the
/// same operations, so the HTTP layer routes both one way.
public protocol SCIMResourceService: Sendable {
    func get(id: String, by initiator: Initiator) async throws -> JSONValue
    func create(_ json: JSONValue, by initiator: Initiator) async throws -> JSONValue
    func replace(id: String, _ json: JSONValue, ifMatch: String?, by initiator: Initiator) async throws -> JSONValue
    func patch(id: String, _ body: JSONValue, ifMatch: String?, by initiator: Initiator) async throws -> JSONValue
    func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws
    func list(_ query: SCIMListQuery, by initiator: Initiator) async throws -> SCIMList
}

extension SCIMResources {
    /// Throws 412 unless `ifMatch` is absent, `*`, or names the resource's version (`meta.version`).
    static func checkVersion(_ ifMatch: String?, _ resource: JSONValue, _ what: String) throws {
        guard let ifMatch, ifMatch.trimmingCharacters(in: .whitespaces) != "*" else { return }
        let version = resource["meta"]?["version"]?.text ?? ""
        if !ifMatch.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(version) {
            throw SCIMProtocolError(412, nil, "the \(what) has changed: its version is \(version), not \(ifMatch)")
        }
    }
}
