import Foundation
import RosterCore
import Testing

@testable import RosterApp

@Suite struct SecretKeyFileTests {
    @Test func theKeyFileIsCreatedOnceAndReadableByItsOwnerOnly() throws {
        // setup
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().text)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // MUT
        let first = try SecretKeyFile.load(dataDirectory: folder, configured: nil)
        let again = try SecretKeyFile.load(dataDirectory: folder, configured: nil)
        // validate
        let sealed = try first.seal(Data("x".utf8))
        #expect(try again.open(sealed) == Data("x".utf8))
        let attributes = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("secret.key").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(throws: RosterError.self) { try SecretKeyFile.load(dataDirectory: folder, configured: "short") }
    }

    @Test func startsAtTheSameMomentAllGetTheOneKeyNeverAHalfWrittenFile() async throws {
        for _ in 0..<20 {
            // setup
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().text)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // MUT: eight starts at once, as processes starting together on one data directory
            let sealed = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try SecretKeyFile.load(dataDirectory: folder, configured: nil).seal(Data("x".utf8))
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            // validate: each start's key opens what every other sealed; no draft is left behind
            let key = try SecretKeyFile.load(dataDirectory: folder, configured: nil)
            for box in sealed { #expect(try key.open(box) == Data("x".utf8)) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["secret.key"])
        }
    }

    @Test func aDamagedKeyFileStopsStartUpInsteadOfBeingReplaced() throws {
        // setup
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().text)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("not a key".utf8).write(to: folder.appendingPathComponent("secret.key"))
        // MUT, validate
        #expect(throws: RosterError.self) { try SecretKeyFile.load(dataDirectory: folder, configured: nil) }
        #expect(try String(contentsOf: folder.appendingPathComponent("secret.key"), encoding: .utf8) == "not a key")
    }
}
