import ArgumentParser
import Foundation
import Logging
import RosterCore
import RosterServer

@main
struct RosterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Roster: a self-hosted identity directory that imports and provisions users over SCIM 2.0.",
        subcommands: [Serve.self, Worker.self, Migrate.self, AdminCommand.self, AppCommand.self, ImportCommand.self,
                      UsersCommand.self, APIKeyCommand.self, InsightsCommand.self, JobsCommand.self, GroupCommand.self, ProvisionCommand.self, UserCommand.self, BenchCommand.self])

    /// SPEC.md's exit codes: 1 for usage or input errors (ArgumentParser's default is 64),
    /// 2 when the service provider could not be reached or understood.
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
    @Option(name: .long, help: "Where Roster keeps its database, secret key and email outbox.")
    var dataDir: String = "./data"

    @Flag(name: .long, help: "Log at debug level to standard error.")
    var verbose = false

    /// Opens Roster, runs `body`, and closes it again whatever happens.
    func withRoster<T>(_ body: (Roster) async throws -> T) async throws -> T {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "roster")
        logger.logLevel = verbose ? .debug : (ProcessInfo.processInfo.environment["ROSTER_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning)
        let roster = try await Roster.bootstrap(RosterConfiguration(dataDirectory: dataDir), logger: logger)
        do {
            let result = try await body(roster)
            await roster.shutdown()
            return result
        } catch {
            await roster.shutdown()
            throw error
        }
    }
}

extension LoggingSystem {
    private static let once: Void = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
    }()
    static func bootstrapOnce() { _ = once }
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

func parseRole(_ text: String) throws -> Role {
    guard let role = Role(rawValue: text) else { throw RosterError.invalid("--role must be admin, manager or readonly, not \"\(text)\"") }
    return role
}
