extension SCIMPath {
    /// The values this path names in `resource`: `emails[type eq "work"].value` is the value of
    /// each work email, `name.givenName` the given name, an extension's attribute is read inside
    /// the extension. Multi-valued attributes give one value per element; a missing one, none.
    public func values(in resource: JSONValue) -> [JSONValue] {
        var container = resource
        if let schema {
            guard let inside = resource[schema] else { return [] }
            container = inside
        }
        guard let attribute else { return [container] }
        guard let value = container[attribute], !value.isNull else { return [] }
        var items: [JSONValue]
        if case .array(let elements) = value { items = elements } else { items = [value] }
        if let filter { items = items.filter { filter.matches($0) } }
        guard let subAttribute else { return items }
        return items.compactMap { item in item[subAttribute].flatMap { $0.isNull ? nil : $0 } }
    }
}
