import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RosterApp
import RosterCore
import Testing

@testable import RosterServer

@Suite struct APITests {
    func withRoster(_ body: (Roster) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-api-\(UUID().uuidString)")
        let roster = try await Roster.bootstrap(.defaults(dataDirectory: folder.path), logger: Logger(label: "test"))
        do { try await body(roster) } catch {
            await roster.shutdown()
            throw error
        }
        await roster.shutdown()
    }

    @Test func healthAnswersWithoutAKeyAndTheAPIRefusesCallsWithout() async throws {
        try await withRoster { roster in
            let app = try buildApplication(roster: roster, hostname: "127.0.0.1", port: 0, workers: false)
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
                }
                try await client.execute(uri: "/api/v1/users", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect(String(buffer: response.body).contains("roster apikey create"))
                }
                try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                    #expect(String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
                }
            }
        }
    }

    @Test func aReadonlyKeyReadsButCannotChange() async throws {
        try await withRoster { roster in
            let (_, key) = try await roster.keys.create(name: "r", role: .readonly, owner: nil, by: .system)
            let app = try buildApplication(roster: roster, hostname: "127.0.0.1", port: 0, workers: false)
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/api/v1/applications", method: .get, headers: [.authorization: "Bearer \(key)"]
                ) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(
                    uri: "/api/v1/applications", method: .post, headers: [.authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: #"{"name":"x"}"#)
                ) { response in
                    #expect(response.status == .forbidden)
                }
            }
        }
    }
}
