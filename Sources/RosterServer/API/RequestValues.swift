import Foundation
import Hummingbird
import RosterCore
import SCIM

extension Request {
    /// A query parameter, trimmed; nil when absent or blank. `+` is a space, as browsers' GET
    /// forms and most HTTP clients send it (a literal plus arrives as %2B).
    func query(_ name: String) -> String? {
        for pair in (uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecoded(parts[0]) == name else { continue }
            let value = parts.count > 1 ? Self.formDecoded(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// Every value of a repeated query parameter (`where=a&where=b`), trimmed, blanks left out.
    func queries(_ name: String) -> [String] {
        (uri.query ?? "").split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecoded(parts[0]) == name, parts.count > 1 else { return nil }
            let value = Self.formDecoded(parts[1]).trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
    }

    static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The `page` of a paged portal list: 1 unless given; a page outside 1…1,000,000 is a 400.
    func pageQuery() throws -> Int {
        guard let page = try intQuery("page") else { return 1 }
        guard (1...1_000_000).contains(page) else {
            throw RosterError.invalid("page must be a whole number from 1 to 1000000, not \(page)")
        }
        return page
    }

    /// A whole-number query parameter; a value that is not one is a 400 that says so.
    func intQuery(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = CheckedNumber.read(text, in: Int.min...Int.max) else {
            throw RosterError.invalid("\(name) must be a whole number, not \"\(text.prefix(40))\"")
        }
        return value
    }
}

enum RequestValues {
    /// The version an `If-Match` names: `W/"3"`, `"3"` or `3`; anything else is a 400 that says so.
    static func version(_ header: String) throws -> Int {
        var text = Substring(header.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        guard let version = CheckedNumber.read(text, in: 0...Int.max) else {
            throw RosterError.invalid(
                "If-Match must name one version of the user, like W/\"3\", not \(header.prefix(40))")
        }
        return version
    }
}

extension Request {
    /// `true` or `false`; anything else is a 400 that says so.
    func boolQuery(_ name: String) throws -> Bool? {
        guard let text = query(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RosterError.invalid("\(name) must be true or false, not \"\(text.prefix(40))\"")
        }
    }
}

extension APIContext {
    /// A path parameter, percent-decoded: a group named "Sales EMEA" is `/groups/Sales%20EMEA`.
    func path(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// The id in the path parameter `name`; one that is not an id names nothing (404).
    func id(_ name: String, _ what: String) throws -> UUID {
        guard let id = UUID(uuidString: try path(name)) else { throw RosterError.notFound("there is no such \(what)") }
        return id
    }
}
