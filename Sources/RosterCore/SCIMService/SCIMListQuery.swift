import Foundation
import SCIM

/// A SCIM query (RFC 7644 §3.4.2 and §3.4.3): from the URL of a GET or the body of a `.search`.
public struct SCIMListQuery: Sendable {
    public static let maxResults = 1000
    public static let defaultCount = 100
    /// The most users a filter or sort without an indexed equality reads (RFC 7644's `tooMany`
    /// past it): clients look users up by userName, externalId or email, which indexes serve.
    public static let maxScanned = 100_000

    public var filter: SCIMFilter?
    public var sortBy: SCIMFilter.AttributePath?
    public var descending = false
    public var startIndex = 1
    public var count = defaultCount
    public var projection = SCIMProjection()
    /// RFC 9865: present (empty for the first page) when the client pages by cursor.
    public var cursor: SCIMCursor?

    public init() {}

    /// Reads the parameters by name (case-insensitively, as clients differ); numbers out of range
    /// are brought into it as RFC 7644 §3.4.2.4 says.
    public init(parameters: [String: String]) throws {
        func value(_ name: String) -> String? {
            parameters.first { $0.key.lowercased() == name.lowercased() }?.value
        }
        if let text = value("filter"), !text.isEmpty {
            do { filter = try SCIMFilter(parsing: text) } catch let error as SCIMFilterError {
                throw SCIMProtocolError.badRequest(.invalidFilter, error.message)
            }
        }
        if let text = value("sortBy"), !text.isEmpty {
            try RequestBudget.check(text, as: "sortBy", limit: RequestBudget.maxPathLength)
            sortBy = .init(text)
        }
        if let text = value("sortOrder"), !text.isEmpty {
            switch text.lowercased() {
            case "ascending": descending = false
            case "descending": descending = true
            default:
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "sortOrder is \"\(text)\": use ascending or descending")
            }
        }
        // RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count 0; past the largest either can
        // mean, a number is held to it (read as a whole number of any size, never overflowing).
        if let text = value("startIndex") {
            guard let number = Self.wholeNumber(text) else {
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "startIndex is \"\(text.prefix(40))\", not a whole number")
            }
            startIndex = min(max(1, number), SCIMCursor.maxPosition)
        }
        if let text = value("count") {
            guard let number = Self.wholeNumber(text) else {
                throw SCIMProtocolError.badRequest(.invalidValue, "count is \"\(text.prefix(40))\", not a whole number")
            }
            count = min(max(0, number), Self.maxResults)
        }
        projection = try SCIMProjection(attributes: value("attributes"), excluded: value("excludedAttributes"))
        if let text = value("cursor") {
            if value("startIndex") != nil {
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "a query pages by startIndex or by cursor (RFC 9865), not both")
            }
            try RequestBudget.check(text, as: "the cursor")
            cursor = try SCIMCursor(token: text)
        }
    }

    /// A whole number however many digits it has: beyond an Int's range it is held to Int's bounds.
    static func wholeNumber(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = CheckedNumber.read(trimmed, in: Int.min...Int.max) { return value }
        let digits = trimmed.drop { $0 == "-" || $0 == "+" }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return trimmed.hasPrefix("-") ? Int.min : Int.max
    }

    /// The body of a `POST .search` (RFC 7644 §3.4.3).
    public init(searchRequest body: JSONValue) throws {
        guard case .object(let members) = body else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the search request is not a JSON object")
        }
        var parameters: [String: String] = [:]
        for (key, value) in members {
            switch value {
            case .array(let items): parameters[key] = items.compactMap(\.text).joined(separator: ",")
            default: if let text = value.text { parameters[key] = text }
            }
        }
        try self.init(parameters: parameters)
    }
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response carries.
/// `id` and `schemas` are always returned; `password` never.
public struct SCIMProjection: Sendable {
    var attributes: [SCIMFilter.AttributePath] = []
    var excluded: [SCIMFilter.AttributePath] = []

    public init() {}

    public init(attributes: String?, excluded: String?) throws {
        func paths(_ text: String?, _ parameter: String) throws -> [SCIMFilter.AttributePath] {
            let names = (text ?? "").split(separator: ",", omittingEmptySubsequences: true)
            try RequestBudget.check(
                count: names.count, of: "names in \(parameter)", limit: RequestBudget.maxAttributeNames)
            return try names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { name in
                try RequestBudget.check(name, as: "a name in \(parameter)", limit: RequestBudget.maxPathLength)
                return Self.path(name)
            }
        }
        self.attributes = try paths(attributes, "attributes")
        self.excluded = try paths(excluded, "excludedAttributes")
        if !self.attributes.isEmpty, !self.excluded.isEmpty {
            throw SCIMProtocolError.badRequest(
                .invalidValue, "attributes and excludedAttributes cannot be given together (RFC 7644 §3.4.2.5)")
        }
    }

    /// A whole extension (its URN alone) is a path of no attribute in that schema.
    static func path(_ text: String) -> SCIMFilter.AttributePath {
        let extensions = [SCIMSchema.enterpriseUser, SCIMResources.customSchema]
        if let whole = extensions.first(where: { $0.lowercased() == text.lowercased() }) {
            var path = SCIMFilter.AttributePath("x")
            path.schema = whole
            path.name = ""
            return path
        }
        var path = SCIMFilter.AttributePath(text)
        if let schema = path.schema,
            schema.lowercased() == SCIMSchema.user.lowercased()
                || schema.lowercased() == SCIMSchema.group.lowercased()
        {
            path.schema = nil
        }
        return path
    }

    static let alwaysReturned: Set<String> = ["id", "schemas"]

    /// Whether the answer carries the core attribute `name` (or a part of it).
    public func includes(_ name: String) -> Bool {
        let name = name.lowercased()
        if Self.alwaysReturned.contains(name) { return true }
        let named = { (path: SCIMFilter.AttributePath) in path.schema == nil && path.name.lowercased() == name }
        if !attributes.isEmpty { return attributes.contains(where: named) }
        return !excluded.contains { named($0) && $0.subAttribute == nil }
    }

    public func apply(_ resource: JSONValue) -> JSONValue {
        guard case .object(let members) = resource, !(attributes.isEmpty && excluded.isEmpty) else { return resource }
        var result: [String: JSONValue] = [:]
        for (key, value) in members {
            let lower = key.lowercased()
            if Self.alwaysReturned.contains(lower) {
                result[key] = value
                continue
            }
            let isExtension = lower.hasPrefix("urn:")
            let wanted =
                isExtension
                ? paths(in: key, attributes)
                : attributes.filter {
                    $0.schema == nil && $0.name.lowercased() == lower
                }
            let unwanted =
                isExtension
                ? paths(in: key, excluded)
                : excluded.filter {
                    $0.schema == nil && $0.name.lowercased() == lower
                }
            if !attributes.isEmpty {
                guard !wanted.isEmpty else { continue }
                result[key] = isExtension ? pick(value, wanted.map(\.name)) : subPick(value, wanted)
            } else {
                if unwanted.contains(where: { $0.subAttribute == nil && (isExtension ? $0.name.isEmpty : true) }) {
                    continue
                }
                result[key] = isExtension ? drop(value, unwanted.map(\.name)) : subDrop(value, unwanted)
            }
        }
        return .object(result)
    }

    private func paths(in schema: String, _ list: [SCIMFilter.AttributePath]) -> [SCIMFilter.AttributePath] {
        list.filter { $0.schema?.lowercased() == schema.lowercased() }
    }

    /// An extension's members named by `names` ("" is the whole extension).
    private func pick(_ value: JSONValue, _ names: [String]) -> JSONValue {
        if names.contains("") { return value }
        return .object(value.objectMembers.filter { key, _ in names.contains { $0.lowercased() == key.lowercased() } })
    }

    private func drop(_ value: JSONValue, _ names: [String]) -> JSONValue {
        .object(value.objectMembers.filter { key, _ in !names.contains { $0.lowercased() == key.lowercased() } })
    }

    /// `name.givenName` keeps one sub-attribute; `name` keeps them all.
    private func subPick(_ value: JSONValue, _ paths: [SCIMFilter.AttributePath]) -> JSONValue {
        let subs = paths.compactMap(\.subAttribute)
        if paths.contains(where: { $0.subAttribute == nil }) || subs.isEmpty { return value }
        func keep(_ element: JSONValue) -> JSONValue {
            guard case .object = element else { return element }
            return .object(
                element.objectMembers.filter { key, _ in subs.contains { $0.lowercased() == key.lowercased() } })
        }
        if case .array(let items) = value { return .array(items.map(keep)) }
        return keep(value)
    }

    private func subDrop(_ value: JSONValue, _ paths: [SCIMFilter.AttributePath]) -> JSONValue {
        let subs = paths.compactMap(\.subAttribute)
        if subs.isEmpty { return value }
        func strip(_ element: JSONValue) -> JSONValue {
            guard case .object = element else { return element }
            return .object(
                element.objectMembers.filter { key, _ in !subs.contains { $0.lowercased() == key.lowercased() } })
        }
        if case .array(let items) = value { return .array(items.map(strip)) }
        return strip(value)
    }
}
