import ArgumentParser
import Foundation
import Logging
import RosterApp
import RosterCore

@main
struct RosterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Roster: a self-hosted identity directory that imports and provisions users over SCIM 2.0.",
        subcommands: [
            Serve.self, Routes.self, WorkerCommand.self, MigrateCommand.self, ConfigCommand.self, AdminCommand.self,
            AppCommand.self,
            ImportCommand.self, UsersCommand.self, UserCommand.self, AttributeCommand.self, GroupCommand.self,
            ProvisionCommand.self,
            APIKeyCommand.self, InsightsCommand.self, JobsCommand.self, MailCommand.self, BenchCommand.self,
        ])

    /// The exit codes of the command line contract: 1 for usage or input errors (and for
    /// Roster's own failures), 2 when the service provider could not be reached or understood.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as RosterError {
            FileHandle.standardError.write(Data("roster: \(error.description)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch let problem as IntegrationInput.Problem {
            FileHandle.standardError.write(Data("roster: \(problem.description)\n".utf8))
            Foundation.exit(1)
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("roster: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }
}

/// A command that ran but did not do what was asked, with the exit code to report.
struct CommandFailure: Error {
    let message: String
    let code: Int32
}

extension RosterError {
    var exitCode: Int32 {
        if case .serviceProvider = self { return 2 }
        return 1
    }
}

/// The flags every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Where Roster keeps its database, secret key and email outbox (default ./data, or ROSTER_DATA_DIR).")
    var dataDir: String?

    @Option(
        name: .customLong("config"),
        help: "A settings file, roster.toml or roster.json (default: one in the data directory).")
    var configFile: String?

    @Flag(name: .long, help: "Log at debug level to standard error.")
    var verbose = false

    /// The settings: these flags and `extra` (a command's own), then the environment, then the file.
    func configuration(_ extra: [String: String] = [:]) throws -> RosterConfiguration {
        var flags = extra
        if let dataDir { flags["dataDir"] = dataDir }
        if verbose { flags["log.level"] = "debug" }
        return try RosterConfiguration.load(flags: flags, file: configFile)
    }

    /// Opens Roster, runs `body`, delivers the mail it made, and closes Roster again whatever happens.
    func withRoster<T>(_ extra: [String: String] = [:], _ body: (Roster) async throws -> T) async throws -> T {
        let configuration = try configuration(extra)
        let logger = LogSetup.logger(format: configuration.log.format, level: configuration.log.level)
        let roster = try await Roster.bootstrap(configuration, logger: logger)
        do {
            let result = try await body(roster)
            await roster.deliverMailEnqueuedHere()
            await roster.shutdown()
            return result
        } catch {
            await roster.deliverMailEnqueuedHere()
            await roster.shutdown()
            throw error
        }
    }
}

/// Reads a secret from the environment variable a flag names (never from the flag itself).
func secret(fromEnvironment name: String, flag: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        throw RosterError.invalid("\(flag) names the environment variable \(name), which is not set or empty")
    }
    return value
}

func printJSON<T: Encodable>(_ value: T) throws {
    print(try RosterJSON.string(value, pretty: false))
}

/// Tab-separated columns: what the text output of a listing prints per row.
func printRow(_ columns: String...) {
    print(columns.joined(separator: "\t"))
}
