import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Applications and their IdM integrations.",
        subcommands: [
            Create.self, List.self, Test.self, Activate.self, Deactivate.self, Release.self, Set.self,
            PresetsCommand.self, ScheduleCommand.self, MappingCommand.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an application with a SCIM integration.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option var description: String?
        @Option(help: "The application's SCIM base URL (a preset's when it has no part to fill in).") var scimUrl:
            String?
        @Option(help: "A connector preset (roster app presets): the vendor's documented limits and quirks.")
        var preset: String?
        @Option(help: "Environment variable holding a bearer token.") var bearerTokenEnv: String?
        @Option var basicUser: String?
        @Option(help: "Environment variable holding the HTTP basic password.") var basicPasswordEnv: String?
        @Option var oauthTokenUrl: String?
        @Option var clientId: String?
        @Option(help: "Environment variable holding the OAuth client secret.") var clientSecretEnv: String?
        @Option var oauthScope: String?
        @Flag(help: "Let calls reach loopback, link-local and private addresses, and http:// (your own network).")
        var allowPrivateNetwork = false

        func validate() throws {
            let chosen = [
                bearerTokenEnv != nil, basicUser != nil || basicPasswordEnv != nil,
                oauthTokenUrl != nil || clientId != nil || clientSecretEnv != nil,
            ].filter { $0 }.count
            guard chosen == 1 else {
                throw ValidationError(
                    """
                    give exactly one of --bearer-token-env, --basic-user with --basic-password-env, \
                    or --oauth-token-url with --client-id and --client-secret-env
                    """)
            }
        }

        func input(_ scimUrl: String) throws -> IntegrationInput {
            if let bearerTokenEnv {
                return IntegrationInput(
                    scimURL: scimUrl, authType: "bearer",
                    token: try secret(fromEnvironment: bearerTokenEnv, flag: "--bearer-token-env"),
                    allowPrivateNetwork: allowPrivateNetwork)
            }
            if let basicUser {
                guard let basicPasswordEnv else { throw RosterError.invalid("--basic-user needs --basic-password-env") }
                return IntegrationInput(
                    scimURL: scimUrl, authType: "basic", user: basicUser,
                    password: try secret(fromEnvironment: basicPasswordEnv, flag: "--basic-password-env"),
                    allowPrivateNetwork: allowPrivateNetwork)
            }
            guard let oauthTokenUrl, let clientId, let clientSecretEnv else {
                throw RosterError.invalid("OAuth needs --oauth-token-url, --client-id and --client-secret-env")
            }
            return IntegrationInput(
                scimURL: scimUrl, authType: "oauth2", tokenURL: oauthTokenUrl, clientID: clientId,
                clientSecret: try secret(fromEnvironment: clientSecretEnv, flag: "--client-secret-env"),
                scope: oauthScope, allowPrivateNetwork: allowPrivateNetwork)
        }

        func run() async throws {
            try await global.withRoster { roster in
                let preset = try preset.map { try roster.applications.preset($0) }
                guard let scimUrl = try preset?.scimURL(given: scimUrl) ?? scimUrl else {
                    throw ValidationError("give --scim-url, or --preset")
                }
                let input = try input(scimUrl)
                // Checked before anything is created, so a mistyped URL leaves no half-made application.
                _ = try input.baseURL()
                _ = try input.credentials()
                let app = try await roster.applications.create(
                    name: name, description: description, preset: preset?.id, by: .system)
                _ = try await roster.applications.configureIntegration(application: app.name, input: input, by: .system)
                print("created application \(app.name), id \(app.id.text)")
                if let preset { print(PresetsCommand.describe(preset)) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applications.")
        @OptionGroup var global: GlobalOptions
        @Option var search: String?
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                let apps = try await roster.applications.list(search: search, by: .system)
                if json { return try printJSON(apps.map { ApplicationJSON($0.0, $0.1) }) }
                for (app, integration) in apps {
                    printRow(app.name, integration?.status.rawValue ?? "no integration", integration?.baseURL ?? "")
                }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reach the service provider and print what it supports.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                let report = try await roster.applications.test(application: name, by: .system)
                let sp = report.serviceProvider
                if json {
                    return try printJSON(ConnectionTestJSON(report))
                }
                print("connected to \(name)")
                print("users:      \(report.totalUsers.map(String.init) ?? "not reported")")
                let maxResults = sp.filterMaxResults.map { " (max \($0) results)" } ?? ""
                print("filter:     \(sp.filterSupported ? "supported" : "not supported")\(maxResults)")
                print("sort:       \(sp.sortSupported ? "supported" : "not supported")")
                print("patch:      \(sp.patchSupported ? "supported" : "not supported")")
                print("etag:       \(sp.etagSupported ? "supported" : "not supported")")
                let maxPage = sp.maxPageSize.map { ", max page \($0)" } ?? ""
                print(
                    "pagination: index \(sp.indexPagination ? "yes" : "no"), cursor "
                        + "\(sp.cursorPagination ? "yes" : "no")\(maxPage)"
                )
                let listing = report.listing
                print("listing:    \(listing.isEmpty ? "every parameter works" : "leaves out " + listing.summary)")
            }
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Activate the integration.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            try await global.withRoster { roster in
                _ = try await roster.applications.setActive(true, application: name, by: .system)
                print("integration of \(name) is active")
            }
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate the integration: all syncing stops at once.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            try await global.withRoster { roster in
                _ = try await roster.applications.setActive(false, application: name, by: .system)
                print(
                    "integration of \(name) is deactivated; users and groups in the application were left as they were")
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a quarantined application out of quarantine; held pushes go out.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            try await global.withRoster { roster in
                _ = try await roster.applications.release(application: name, by: .system)
                print("released \(name): its integration is active and held pushes are queued again")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an application's settings.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "What deprovisioning does: deactivate (active: false, the default) or delete.")
        var deprovision: String?
        @Flag(help: "Let calls reach loopback, link-local and private addresses, and http://.")
        var allowPrivateNetwork = false
        @Flag(help: "Let calls reach public addresses over https only (the default).")
        var denyPrivateNetwork = false
        @Option(
            help: ArgumentHelp(
                "Requests per second Roster sends to the application at most, like 50/s; none learns the pace "
                    + "from the application's 429 answers (the default)."))
        var rateLimit: String?

        func validate() throws {
            guard deprovision != nil || allowPrivateNetwork || denyPrivateNetwork || rateLimit != nil else {
                throw ValidationError(
                    "say what to change: --deprovision, --allow-private-network, --deny-private-network or --rate-limit"
                )
            }
            guard !(allowPrivateNetwork && denyPrivateNetwork) else {
                throw ValidationError("give --allow-private-network or --deny-private-network, not both")
            }
        }

        func run() async throws {
            let allow: Bool? = allowPrivateNetwork ? true : denyPrivateNetwork ? false : nil
            try await global.withRoster { roster in
                try await roster.applications.change(
                    .init(deprovision: deprovision, allowPrivateNetwork: allow, rateLimit: rateLimit),
                    application: name,
                    by: .system)
                if let deprovision { print("deprovisioning in \(name) will \(deprovision) users") }
                if let rateLimit {
                    let none = ["none", "off", "0"].contains(rateLimit.lowercased())
                    print(
                        none
                            ? "\(name) is sent requests as fast as it takes them, slowing down when it answers 429"
                            : "\(name) is sent at most \(rateLimit.hasSuffix("/s") ? rateLimit : rateLimit + "/s")")
                }
                if let allow {
                    print(
                        allow
                            ? "\(name) may now be reached on a private network and over http://"
                            : "\(name) is now reached on public addresses over https:// only")
                }
            }
        }
    }
}
