/// Schema URNs from RFC 7643, RFC 7644 and RFC 9865.
public enum SCIMSchema {
    public static let user = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let group = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    public static let listResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    public static let error = "urn:ietf:params:scim:api:messages:2.0:Error"
    public static let patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
}
