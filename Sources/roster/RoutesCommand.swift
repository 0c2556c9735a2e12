import ArgumentParser
import Foundation
import RosterApp
import RosterServer

/// The server's routes, for operators writing proxy rules and for the authorization matrix test.
struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every route roster serve answers (the Admin Portal's and the REST API's).")
    @OptionGroup var global: GlobalOptions
    @Flag var json = false

    struct Entry: Encodable { let method, path: String }

    func run() async throws {
        try await global.withRoster { roster in
            let routes = try routeTable(roster: roster).map { Entry(method: $0.method, path: $0.path) }
                .sorted { ($0.path, $0.method) < ($1.path, $1.method) }
            if json { return try printJSON(routes) }
            for route in routes { printRow(route.method, route.path) }
        }
    }
}
