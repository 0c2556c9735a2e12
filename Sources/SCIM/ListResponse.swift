/// One page of a SCIM list (RFC 7644 §3.4.2), with RFC 9865 cursors.
public struct ListResponse: Sendable {
    /// What the provider claims; often missing or wrong, so never relied on to stop paging.
    public var totalResults: Int?
    public var startIndex: Int?
    public var itemsPerPage: Int?
    public var resources: [JSONValue]
    public var nextCursor: String?

    public init(
        totalResults: Int? = nil, startIndex: Int? = nil, itemsPerPage: Int? = nil,
        resources: [JSONValue], nextCursor: String? = nil
    ) {
        self.totalResults = totalResults
        self.startIndex = startIndex
        self.itemsPerPage = itemsPerPage
        self.resources = resources
        self.nextCursor = nextCursor
    }

    public init(json: JSONValue) throws {
        guard case .object = json else {
            throw SCIMClientError(.unexpectedResponse, "the list response is not a JSON object")
        }
        let resources = json["Resources"]
        if let resources, !resources.isNull, case .object = resources {
            throw SCIMClientError(.unexpectedResponse, "\"Resources\" is an object, not a list")
        }
        self.init(
            totalResults: json["totalResults"]?.int, startIndex: json["startIndex"]?.int,
            itemsPerPage: json["itemsPerPage"]?.int, resources: resources?.elements ?? [],
            nextCursor: json["nextCursor"]?.text.flatMap { $0.isEmpty ? nil : $0 })
    }
}
