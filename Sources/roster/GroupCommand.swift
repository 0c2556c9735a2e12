import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "User groups: members and bindings to applications.",
        subcommands: [
            Create.self, List.self, Members.self, AddMember.self, RemoveMember.self, Bind.self, Unbind.self,
        ])

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a group's members, a page at a time (--after the last id of the page before).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "The last member id of the page before.") var after: String?
        @Option(help: "Members per page (1 to 1000).") var limit = 1000
        @Flag(help: "Each member as JSON, one per line.") var json = false
        func run() async throws {
            let after = try after.map { text in
                guard let id = UUID(text: text) else {
                    throw RosterError.invalid("--after is a member's id, not \(text)")
                }
                return id
            }
            try await global.withRoster { roster in
                for user in try await roster.groups.members(group: name, after: after, limit: limit, by: .system) {
                    if json { try printJSON(UserJSON(user)) } else { printRow(user.id.text, user.email, user.label) }
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            try await global.withRoster { roster in
                let group = try await roster.groups.create(name: name, by: .system)
                print("created group \(group.name), id \(group.id.text)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List user groups.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await global.withRoster { roster in
                for (group, members, applications) in try await roster.groups.list(by: .system) {
                    printRow(group.name, "\(members) members", "\(applications.count) applications")
                }
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member", abstract: "Add users (by email) to a group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var emails: [String]
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.addMembers(group: name, emails: emails, by: .system)
                print("added \(emails.count) members to \(name)")
            }
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Remove users (by email) from a group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var emails: [String]
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.removeMembers(group: name, emails: emails, by: .system)
                print("removed \(emails.count) members from \(name)")
            }
        }
    }

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bind a group to an application: its members are provisioned there.",
            discussion: """
                When the application already has a group of the same name, Roster adopts it: members it did not add \
                are kept until you confirm their removal (roster provision confirm APP), unless --authoritative.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var application: String
        @Flag(help: "Say what binding would do to the application's group, and change nothing.") var dryRun = false
        @Flag(help: "Make the application's group hold exactly this group's members, removing anyone else at once.")
        var authoritative = false

        func run() async throws {
            try await global.withRoster { roster in
                if dryRun {
                    let preview = try await roster.groups.previewBinding(
                        group: name, application: application, authoritative: authoritative, by: .system)
                    print(preview.summary)
                    for member in preview.notAddedByRoster { print("  not added by Roster: \(member)") }
                    return
                }
                try await roster.groups.bind(
                    group: name, application: application, authoritative: authoritative, by: .system)
                print("bound \(name) to \(application)\(authoritative ? " (authoritative)" : "")")
            }
        }
    }

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unbind a group from an application.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var application: String
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.unbind(group: name, application: application, by: .system)
                print("unbound \(name) from \(application)")
            }
        }
    }
}
