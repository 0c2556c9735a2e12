extension SCIMFilter.AttributePath {
    /// The value a resource sorts by: the primary (else first) value, as RFC 7644 §3.4.2.3 says.
    public func sortKey(in resource: JSONValue) -> String? {
        var container = resource
        if let schema, let ext = resource[schema] { container = ext }
        if subAttribute == nil, let attribute = container[name], case .array(let items) = attribute {
            let chosen = items.first { $0["primary"]?.bool == true } ?? items.first
            return chosen?["value"]?.text?.lowercased()
        }
        return values(in: resource).first?.text?.lowercased()
    }
}

extension Array where Element == SCIMUser {
    /// Sorts as a provider would; users without the attribute come last either way.
    public func sorted(by attribute: String, order: SCIMSortOrder) -> [SCIMUser] {
        let path = SCIMFilter.AttributePath(attribute)
        let keyed = map { (path.sortKey(in: $0.raw), $0) }
        return keyed.sorted { a, b in
            switch (a.0, b.0) {
            case (nil, nil): return false
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return order == .ascending ? x < y : x > y
            }
        }.map(\.1)
    }
}
