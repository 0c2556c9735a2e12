import ArgumentParser
import RosterApp
import RosterCore

/// `roster app presets`: the connector catalog.
struct PresetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the connector presets: well-known SCIM applications as their vendors document them.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only presets whose id or name contains this.") var search: String?
    @Flag var json = false

    func run() async throws {
        try await global.withRoster { roster in
            let presets = try roster.applications.presets(search: search)
            if json { return try printJSON(presets) }
            for preset in presets { printRow(preset.id, preset.name, preset.baseURL ?? "(URL not documented)") }
        }
    }

    /// The preset and what it makes Roster do, a line each.
    static func describe(_ preset: ConnectorPreset) -> String {
        (["preset \(preset.id): \(preset.name), as documented at \(preset.scimDocs) (read \(preset.read))"]
            + preset.effects.map { "  " + $0 }).joined(separator: "\n")
    }
}
