/// The PATCH operations (RFC 7644 §3.5.2) that turn `current` into `desired`, attribute by
/// attribute, so only what changed is sent and what the provider added is left alone.
public enum UserPatch {
    /// Attributes Roster owns in an application; anything else on the resource is the provider's.
    static let managed = [
        "externalId", "userName", "name", "displayName", "title", "userType", "active",
        "emails", "phoneNumbers", "addresses",
    ]
    static let enterprise = ["employeeNumber", "costCenter", "organization", "department"]

    public static func operations(from current: JSONValue, to desired: JSONValue) -> [PatchRequest.Operation] {
        var operations: [PatchRequest.Operation] = []
        for key in managed {
            diff(current[key], desired[key], path: key, into: &operations)
        }
        let currentExtension = current[SCIMSchema.enterpriseUser]
        let desiredExtension = desired[SCIMSchema.enterpriseUser]
        for key in enterprise {
            diff(
                currentExtension?[key], desiredExtension?[key], path: "\(SCIMSchema.enterpriseUser):\(key)",
                into: &operations)
        }
        return operations
    }

    private static func diff(
        _ current: JSONValue?, _ desired: JSONValue?, path: String, into operations: inout [PatchRequest.Operation]
    ) {
        let had = current.map { !$0.isNull } ?? false
        switch desired {
        case .some(let value) where !value.isNull:
            if !had || !same(current!, value) { operations.append(.init(.replace, path: path, value: value)) }
        default:
            if had { operations.append(.init(.remove, path: path)) }
        }
    }

    /// Equal as far as the desired value says: extra sub-attributes the provider keeps
    /// (`primary: false`, `display`) do not count as a difference.
    static func same(_ current: JSONValue, _ desired: JSONValue) -> Bool {
        switch (current, desired) {
        case (.object(let c), .object(let d)):
            return d.allSatisfy { key, value in c[key].map { same($0, value) } ?? value.isNull }
        case (.array(let c), .array(let d)):
            return c.count == d.count && zip(c, d).allSatisfy { same($0, $1) }
        case (.string(let c), .string(let d)):
            return c == d
        default:
            return current == desired || current.text != nil && current.text == desired.text
        }
    }
}
