import ArgumentParser
import RosterApp
import RosterCore

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Directory users.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every user.")
        @OptionGroup var global: GlobalOptions
        @Flag var json = false
        @Option(
            name: .customLong("where"),
            help: "Only users whose custom attribute meets this, e.g. 'badgeNumber ge 100' (repeat: all must hold).")
        var filters: [String] = []
        @Option(
            help: "Custom attributes to add as columns, comma-separated (every declared one: --show all).")
        var show: String?

        func run() async throws {
            try await global.withRoster { roster in
                if json {
                    var users: [UserJSON] = []
                    try await roster.directory.allUsers(filters: filters, by: .system) {
                        users += $0.map(UserJSON.init)
                    }
                    return try printJSON(users)
                }
                let columns = try await self.columns(roster.attributes.list(by: .system))
                try await roster.directory.allUsers(filters: filters, by: .system) { page in
                    for u in page {
                        let base = [u.email, u.username, u.label, u.state.rawValue, u.passwordStatus.rawValue]
                        print((base + columns.map { u.customValue(of: $0)?.text ?? "" }).joined(separator: "\t"))
                    }
                }
            }
        }

        /// The declared names `--show` asks for, as declared; an unknown one is an error.
        private func columns(_ declared: [CustomAttribute]) throws -> [String] {
            guard let show else { return [] }
            if show == "all" { return declared.map(\.name) }
            let attributes = CustomAttributes(declared)
            return try show.split(separator: ",").map { name in
                guard let attribute = attributes[name.trimmingCharacters(in: .whitespaces)] else {
                    throw RosterError.invalid("--show: \(name) is not a custom attribute")
                }
                return attribute.name
            }
        }
    }
}
