import Configuration
import Foundation
import RosterCore

/// Reads typed settings and says exactly what is wrong with a bad one.
struct SettingsReader {
    let reader: ConfigReader
    /// Each provider on its own, to tell where a value came from.
    let layers: [(name: String, reader: ConfigReader)]
    private(set) var sources: [String: String] = [:]

    init(reader: ConfigReader, layers: [(name: String, reader: ConfigReader)]) {
        self.reader = reader
        self.layers = layers
    }

    mutating func string(_ key: String) -> String? {
        guard let value = reader.string(forKey: ConfigKey(key), isSecret: Setting.named(key)?.secret ?? false) else {
            return nil
        }
        noteSource(key)
        return value
    }

    /// A whole number in `range`, or `fallback` when unset.
    mutating func int(_ key: String, _ fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let text = reader.string(forKey: ConfigKey(key))
        if let value = reader.int(forKey: ConfigKey(key))
            // bounded: parsed only; the range is checked below, before any use
            ?? text.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        {
            guard range.contains(value) else {
                throw invalid(key, "\(value)", "a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            noteSource(key)
            return value
        }
        guard let text else { return fallback }
        throw invalid(key, text, "a whole number from \(range.lowerBound) to \(range.upperBound)")
    }

    /// true or false (also yes/no, 1/0), or `fallback` when unset.
    mutating func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        if let value = reader.bool(forKey: ConfigKey(key)) {
            noteSource(key)
            return value
        }
        guard let text = string(key) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw invalid(key, text, "true or false")
        }
    }

    /// Comma-separated IP addresses (IPv4 or IPv6, no names), or `fallback` when unset; `none` is
    /// an empty list.
    mutating func addresses(_ key: String, _ fallback: Set<String>) throws -> Set<String> {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return fallback }
        noteSource(key)
        var addresses: Set<String> = []
        guard text.trimmingCharacters(in: .whitespaces).lowercased() != "none" else { return addresses }
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            var v4 = in_addr()
            var v6 = in6_addr()
            guard inet_pton(AF_INET, part, &v4) == 1 || inet_pton(AF_INET6, part, &v6) == 1 else {
                throw invalid(key, part, "a comma-separated list of IP addresses")
            }
            addresses.insert(part)
        }
        return addresses
    }

    /// An http(s) URL, or nil when unset.
    mutating func url(_ key: String) throws -> String? {
        guard let text = string(key) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else {
            throw invalid(key, text, "an http:// or https:// URL")
        }
        return text
    }

    /// One of a fixed set of names.
    mutating func choice<T>(_ key: String, _ fallback: T, _ parse: (String) -> T?, names: [String]) throws -> T {
        guard let text = string(key) else { return fallback }
        guard let value = parse(text.lowercased()) else {
            throw invalid(key, text, "one of \(names.joined(separator: ", "))")
        }
        return value
    }

    private mutating func noteSource(_ key: String) {
        sources[key] =
            layers.first {
                $0.reader.string(forKey: ConfigKey(key)) != nil || $0.reader.int(forKey: ConfigKey(key)) != nil
            }?.name
    }

    private func invalid(_ key: String, _ value: String, _ expected: String) -> RosterError {
        let setting = Setting.named(key)
        let shown = setting?.secret == true ? "the value given" : "\"\(value)\""
        return .invalid("\(setting?.name ?? key) must be \(expected), not \(shown)")
    }
}
