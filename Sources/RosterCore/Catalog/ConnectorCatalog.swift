import Foundation

/// The presets of well-known SCIM applications (``ConnectorPreset``), read once from the JSON
/// files shipped next to the `roster` binary (the `roster_RosterCore.resources` folder SwiftPM
/// builds), or from a checkout's sources.
public struct ConnectorCatalog: Sendable {
    public let presets: [ConnectorPreset]

    public init(presets: [ConnectorPreset]) {
        self.presets = presets.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    /// The preset with this id (`slack`), or an error that names the ones that come close.
    public func preset(_ id: String) throws -> ConnectorPreset {
        let key = id.lowercased().trimmingCharacters(in: .whitespaces)
        if let preset = presets.first(where: { $0.id == key }) { return preset }
        // Ids that contain what was typed, or begin as it does (a typo further on).
        let close = presets.filter { $0.id.contains(key) || (key.count >= 3 && $0.id.hasPrefix(key.prefix(3))) }
            .map(\.id)
        throw RosterError.notFound(
            "no preset \"\(id)\"" + (close.isEmpty ? "" : ": did you mean " + close.joined(separator: ", ") + "?")
                + " (roster app presets lists them)")
    }

    /// Presets whose id or name contains `text`, case-insensitively.
    public func search(_ text: String?) -> [ConnectorPreset] {
        guard let text = text?.lowercased().trimmingCharacters(in: .whitespaces), !text.isEmpty else { return presets }
        return presets.filter { $0.id.contains(text) || $0.name.lowercased().contains(text) }
    }

    /// The catalog shipped with Roster; empty (with the reason) when its files cannot be found.
    public static let bundled: Result<ConnectorCatalog, RosterError> = Result { try load() }.mapError {
        ($0 as? RosterError) ?? .invalid("the connector catalog cannot be read: \($0)")
    }

    static func load() throws -> ConnectorCatalog {
        let folders = [
            Bundle.main.bundleURL.appendingPathComponent("roster_RosterCore.resources/Presets"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Presets"),
        ]
        guard let folder = folders.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw RosterError.invalid(
                "the connector catalog is not installed: keep the roster_RosterCore.resources folder next to roster")
        }
        return try read(folder)
    }

    /// Every `*.json` in `folder`, each named for its id.
    public static func read(_ folder: URL) throws -> ConnectorCatalog {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        return ConnectorCatalog(
            presets: try files.map { file in
                let preset: ConnectorPreset
                do {
                    preset = try JSONDecoder().decode(
                        ConnectorPreset.self, from: Data(contentsOf: folder.appendingPathComponent(file)))
                } catch {
                    throw RosterError.invalid("the connector preset \(file) cannot be read: \(error)")
                }
                guard preset.id + ".json" == file else {
                    throw RosterError.invalid("the connector preset \(file) says its id is \(preset.id)")
                }
                return preset
            })
    }
}
