/// What a service provider says it supports (RFC 7643 §5, with RFC 9865 pagination).
public struct ServiceProviderConfig: Sendable, Hashable, Codable {
    public var patchSupported: Bool
    public var filterSupported: Bool
    /// Most resources the provider returns in one response, if it says.
    public var filterMaxResults: Int?
    public var sortSupported: Bool
    public var etagSupported: Bool
    public var cursorPagination: Bool
    public var indexPagination: Bool
    public var maxPageSize: Int?
    public var authenticationSchemes: [String]

    public init(
        patchSupported: Bool = false, filterSupported: Bool = false, filterMaxResults: Int? = nil,
        sortSupported: Bool = false, etagSupported: Bool = false, cursorPagination: Bool = false,
        indexPagination: Bool = true, maxPageSize: Int? = nil, authenticationSchemes: [String] = []
    ) {
        self.patchSupported = patchSupported
        self.filterSupported = filterSupported
        self.filterMaxResults = filterMaxResults
        self.sortSupported = sortSupported
        self.etagSupported = etagSupported
        self.cursorPagination = cursorPagination
        self.indexPagination = indexPagination
        self.maxPageSize = maxPageSize
        self.authenticationSchemes = authenticationSchemes
    }

    public init(json: JSONValue) {
        let pagination = json["pagination"]
        self.init(
            patchSupported: json["patch"]?["supported"]?.bool ?? false,
            filterSupported: json["filter"]?["supported"]?.bool ?? false,
            filterMaxResults: json["filter"]?["maxResults"]?.int,
            sortSupported: json["sort"]?["supported"]?.bool ?? false,
            etagSupported: json["etag"]?["supported"]?.bool ?? false,
            cursorPagination: pagination?["cursor"]?.bool ?? false,
            // RFC 9865 §5: index pagination is assumed unless the provider says otherwise.
            indexPagination: pagination?["index"]?.bool ?? true,
            maxPageSize: pagination?["maxPageSize"]?.int,
            authenticationSchemes: (json["authenticationSchemes"]?.elements ?? []).compactMap {
                $0["type"]?.text ?? $0["name"]?.text
            })
    }

    /// The largest page Roster may ask for: the smaller of the provider's limits.
    public func pageSize(wanted: Int) -> Int {
        [wanted, maxPageSize, filterMaxResults].compactMap { $0 }.filter { $0 > 0 }.min() ?? wanted
    }
}
