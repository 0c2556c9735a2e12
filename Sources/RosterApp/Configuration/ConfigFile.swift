import Configuration
import Foundation
import RosterCore

/// The optional settings file: `roster.toml` or `roster.json`, its keys those of ``Setting``
/// (`[smtp]` then `url = "…"` in TOML, `{"smtp": {"url": "…"}}` in JSON).
enum ConfigFile {
    /// The file's values, flattened to dotted keys; a file that cannot be read stops start-up
    /// with the line at fault.
    static func values(at path: String) throws -> [AbsoluteConfigKey: ConfigValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RosterError.invalid("the settings file \(path) cannot be read")
        }
        let flat =
            path.lowercased().hasSuffix(".json")
            ? try json(data, path: path) : try toml(String(decoding: data, as: UTF8.self), path: path)
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, content) in flat {
            guard let setting = Setting.named(key) else {
                let known = Setting.all.map(\.key).joined(separator: ", ")
                throw RosterError.invalid(
                    "the settings file \(path) sets \"\(key)\", which is not a Roster setting; the settings are "
                        + "\(known)"
                )
            }
            values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(
                content, isSecret: setting.secret)
        }
        return values
    }

    /// A small TOML reader: `[table]` headers and `key = value` lines with strings, integers and booleans.
    static func toml(_ text: String, path: String) throws -> [String: ConfigContent] {
        var table = ""
        var values: [String: ConfigContent] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func bad(_ why: String) -> RosterError { .invalid("\(path), line \(index + 1): \(why)") }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw bad("a table header must end with ]") }
                table = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw bad("expected key = value") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw bad("the key is missing") }
            let key = table.isEmpty ? name : "\(table).\(name)"
            if value.hasPrefix("\"") {
                guard let close = value.dropFirst().firstIndex(of: "\"") else { throw bad("the string is not closed") }
                let rest = value[value.index(after: close)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else { throw bad("unexpected text after the string") }
                values[key] = .string(String(value[value.index(after: value.startIndex)..<close]))
                continue
            }
            if let comment = value.firstIndex(of: "#") {
                value = value[..<comment].trimmingCharacters(in: .whitespaces)
            }
            // bounded: parsed only; each setting's range is checked where it is read
            if let number = Int(value.replacingOccurrences(of: "_", with: "")) {
                values[key] = .int(number)
            } else if value == "true" || value == "false" {
                values[key] = .bool(value == "true")
            } else {
                throw bad("\(value) is not a string in quotes, a whole number, true or false")
            }
        }
        return values
    }

    static func json(_ data: Data, path: String) throws -> [String: ConfigContent] {
        guard case .object(let root)? = try? JSONDecoder().decode(Node.self, from: data) else {
            throw RosterError.invalid("the settings file \(path) is not a JSON object")
        }
        var values: [String: ConfigContent] = [:]
        func flatten(_ object: [String: Node], prefix: String) throws {
            for (name, value) in object {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                switch value {
                case .object(let nested): try flatten(nested, prefix: key)
                case .string(let text): values[key] = .string(text)
                case .int(let number): values[key] = .int(number)
                case .bool(let flag): values[key] = .bool(flag)
                case .other:
                    throw RosterError.invalid(
                        "the settings file \(path): \"\(key)\" must be text, a whole number or true/false")
                }
            }
        }
        try flatten(root, prefix: "")
        return values
    }

    /// A JSON value as far as settings go.
    enum Node: Decodable {
        case object([String: Node])
        case string(String)
        case int(Int)
        case bool(Bool)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int.self) {
                self = .int(number)
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let object = try? container.decode([String: Node].self) {
                self = .object(object)
            } else {
                self = .other
            }
        }
    }
}
