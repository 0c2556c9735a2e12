import Foundation
import Hummingbird
import RosterCore

extension Request {
    /// A query parameter, trimmed; nil when absent or blank.
    func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap {
            $0.isEmpty ? nil : $0
        }
    }

    /// A whole-number query parameter; a value that is not one is a 400 that says so.
    func intQuery(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text) else {
            throw RosterError.invalid("\(name) must be a whole number, not \"\(text.prefix(40))\"")
        }
        return value
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
