/// The `path` of a PATCH operation (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]`,
/// `attr[filter].sub`, any of them behind a schema URN, or a whole extension's URN.
public struct SCIMPath: Sendable, Hashable, CustomStringConvertible {
    /// The extension the attribute belongs to; nil for the resource's core schema.
    public var schema: String?
    /// Nil when the path is a whole extension (`urn:…:enterprise:2.0:User`).
    public var attribute: String?
    public var filter: SCIMFilter?
    public var subAttribute: String?

    public init(schema: String? = nil, attribute: String?, filter: SCIMFilter? = nil, subAttribute: String? = nil) {
        self.schema = schema
        self.attribute = attribute
        self.filter = filter
        self.subAttribute = subAttribute
    }

    /// Reads `text`; `core` is the resource's own schema URN (a prefix that names the resource
    /// itself) and `extensions` the extension URNs it may carry.
    public init(parsing text: String, core: String, extensions: [String]) throws {
        var head = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !head.isEmpty else { throw SCIMProtocolError.badRequest(.invalidPath, "the path is empty") }
        var filterText: Substring?
        var tail: Substring = ""
        if let open = head.firstIndex(of: "[") {
            guard let close = head.lastIndex(of: "]"), close > open else {
                throw SCIMProtocolError.badRequest(.invalidPath, "the path \"\(text)\" opens \"[\" and never closes it")
            }
            filterText = head[head.index(after: open)..<close]
            tail = head[head.index(after: close)...]
            head = head[..<open]
            if !tail.isEmpty {
                guard tail.first == "." else {
                    throw SCIMProtocolError.badRequest(
                        .invalidPath,
                        "the path \"\(text)\" has \"\(tail)\" after its filter; only .subAttribute may follow")
                }
                tail = tail.dropFirst()
            }
        }
        var schema: String?
        if head.lowercased().hasPrefix("urn:") {
            let lower = head.lowercased()
            if let whole = extensions.first(where: { $0.lowercased() == lower }) {
                guard filterText == nil else {
                    throw SCIMProtocolError.badRequest(.invalidPath, "a whole extension cannot take a filter")
                }
                self.init(schema: whole, attribute: nil)
                return
            }
            guard let urn = ([core] + extensions).first(where: { lower.hasPrefix($0.lowercased() + ":") }) else {
                throw SCIMProtocolError.badRequest(
                    .invalidPath, "the path \"\(text)\" names a schema this resource does not have")
            }
            schema = urn == core ? nil : urn
            head = head.dropFirst(urn.count + 1)
        }
        let parts = head.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let attribute = String(parts[0])
        var subAttribute = parts.count > 1 ? String(parts[1]) : nil
        if filterText != nil, subAttribute != nil {
            throw SCIMProtocolError.badRequest(
                .invalidPath, "the path \"\(text)\" puts a sub-attribute before its filter")
        }
        if !tail.isEmpty { subAttribute = String(tail) }
        for name in [attribute, subAttribute].compactMap({ $0 }) where !Self.isAttributeName(name) {
            throw SCIMProtocolError.badRequest(
                .invalidPath, "\"\(name)\" in the path \"\(text)\" is not an attribute name")
        }
        var filter: SCIMFilter?
        if let filterText {
            do { filter = try SCIMFilter(parsing: String(filterText)) } catch let error as SCIMFilterError {
                throw SCIMProtocolError.badRequest(
                    .invalidFilter, "the filter in the path \"\(text)\": \(error.message)")
            }
        }
        self.init(schema: schema, attribute: attribute, filter: filter, subAttribute: subAttribute)
    }

    /// RFC 7643 §2.1's ATTRNAME (and `$ref`).
    static func isAttributeName(_ name: String) -> Bool {
        if name == "$ref" { return true }
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                    || $0 == "-" || $0 == "_")
        }
    }

    public var description: String {
        var text = schema.map { $0 + (attribute == nil ? "" : ":") } ?? ""
        text += attribute ?? ""
        if filter != nil { text += "[…]" }
        if let subAttribute { text += "." + subAttribute }
        return text
    }
}
