import ArgumentParser
import Foundation
import RosterApp
import RosterCore

/// `roster app mapping`: an application's attribute mapping, exported and imported as JSON.
struct MappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapping",
        abstract: "Show (export), set (import) or list the versions of an application's attribute mapping.",
        discussion: """
            The JSON is {"rules": [{"source": the application's SCIM path, "target": directory attribute, \
            "direction": "both" | "inbound" | "outbound", "transforms": [...]}]}; an outbound rule may write \
            "value": {"constant": T} | {"join": [ATTRIBUTES], "separator": S} | {"firstOf": [ATTRIBUTES]}, \
            and "onlyOnCreate": true. A rule without a direction is both ways, or inbound when it has \
            transforms: a transformed value is never written back to the application. Transforms: \
            {"op": "trim" | "lower" | "upper"}, {"op": "default", "value": V}, \
            {"op": "replace", "pattern": REGEX, "with": TEXT}, {"op": "join", "separator": S}, \
            {"op": "split", "separator": S, "index": N}, {"op": "map", "table": {...}, "otherwise": V}. \
            A new mapping is tried both ways on 20 of the application's users before it is saved, and \
            what it does to the first of them is printed.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument var name: String
    @Option(help: "A JSON file to save as the application's next mapping version.") var set: String?
    @Flag(help: "Every version, newest first, with who saved it.") var history = false

    func run() async throws {
        try await global.withRoster { roster in
            if let set {
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: set)) } catch {
                    throw RosterError.invalid("cannot read \(set): \(error.localizedDescription)")
                }
                let mapping: AttributeMapping
                do { mapping = try JSONDecoder().decode(AttributeMapping.self, from: data) } catch {
                    throw RosterError.invalid("\(set) is not a mapping: \(error)")
                }
                let saved = try await roster.mappings.set(application: name, mapping: mapping, by: .system)
                print("saved version \(saved.version.version) of the mapping of \(name) (\(mapping.rules.count) rules)")
                for sample in saved.preview.prefix(3) {
                    print("\(sample.userName ?? "?") (id \(sample.remoteId)):")
                    for (attribute, value) in sample.inbound {
                        print("  import        \(attribute) = \(value ?? "(none)")")
                    }
                    for (path, value, onCreate) in sample.outbound {
                        print("  provisioning  \(path) = \(value ?? "(removed)")" + (onCreate ? "  (on create)" : ""))
                    }
                }
                return
            }
            if history {
                for v in try await roster.mappings.versions(application: name, by: .system) {
                    printRow(
                        String(v.version), v.changedAt.iso8601Text, v.changedBy ?? "", "\(v.mapping.rules.count) rules")
                }
                return
            }
            let mapping =
                try await roster.mappings.current(application: name, by: .system)?.mapping ?? AttributeMapping()
            try printJSON(mapping)
        }
    }
}
