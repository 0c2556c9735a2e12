import ArgumentParser
import Foundation
import Hummingbird
import RosterApp
import RosterServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Admin Portal and the REST API and run the background workers.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (default 127.0.0.1, or ROSTER_HTTP_HOSTNAME).") var hostname: String?
    @Option(help: "Port to listen on (default 8080, or ROSTER_HTTP_PORT).") var port: Int?
    @Flag(help: "Serve HTTP only; run workers elsewhere with roster worker.") var noWorkers = false

    func run() async throws {
        var flags: [String: String] = [:]
        if let hostname { flags["http.hostname"] = hostname }
        if let port { flags["http.port"] = String(port) }
        _ = MetricsSetup.prometheus()
        try await global.withRoster(flags) { roster in
            if try await !roster.administrators.exist() {
                FileHandle.standardError.write(
                    Data(
                        """
                        roster: no administrator yet. Create the first one, then sign in to the Admin Portal:
                          ROSTER_PASSWORD=... roster admin create --email you@example.com \\
                            --role admin --password-env ROSTER_PASSWORD

                        """.utf8))
            }
            let http = roster.configuration.http
            let folder = roster.configuration.dataDirectory.path
            FileHandle.standardError.write(
                Data("roster: Admin Portal and API on http://\(http.hostname):\(http.port) (data in \(folder))\n".utf8))
            let app = try buildApplication(
                roster: roster, hostname: http.hostname, port: http.port, workers: !noWorkers)
            try await app.runService()
        }
    }
}
