import ArgumentParser
import RosterApp
import RosterCore

extension CustomAttribute.Kind: ExpressibleByArgument {}

/// `roster attribute`: the directory's custom attributes.
struct AttributeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute", abstract: "Custom attributes of directory users (typed, declared once).",
        subcommands: [Declare.self, List.self, Remove.self])

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Declare a custom attribute, e.g. roster attribute declare badgeNumber --type number; mappings fill "
                + "it, roster user set sets it, roster users list --where filters by it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A letter, then letters, digits or _.") var name: String
        @Option(help: "string, number, boolean or date.") var type: CustomAttribute.Kind
        @Option(help: "What it holds, for other administrators.") var description: String?
        func run() async throws {
            try await global.withRoster { roster in
                let attribute = try await roster.attributes.declare(
                    name: name, type: type.rawValue, description: description, by: .system)
                print("declared \(attribute.name) (\(attribute.type.rawValue))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the custom attributes.")
        @OptionGroup var global: GlobalOptions
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                let attributes = try await roster.attributes.list(by: .system)
                if json { return try printJSON(attributes) }
                for a in attributes { printRow(a.name, a.type.rawValue, a.description ?? "") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a custom attribute (refused while a mapping fills it).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Remove it even though users hold values of it: the values go too.") var force = false
        func run() async throws {
            try await global.withRoster { roster in
                let cleared = try await roster.attributes.remove(name: name, force: force, by: .system)
                print("removed \(name)" + (cleared > 0 ? " and \(cleared) user value(s) of it" : ""))
            }
        }
    }
}
