import Crypto
import Foundation
import Testing
@testable import RosterCore

@Suite struct SecretBoxTests {
    @Test func sealedSecretsOpenOnlyWithTheSameKey() throws {
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let sealed = try box.seal(Data("token-123".utf8))
        #expect(!sealed.contains("token-123"))
        #expect(try box.open(sealed) == Data("token-123".utf8))
        #expect(throws: RosterError.self) { try SecretBox(key: SymmetricKey(size: .bits256)).open(sealed) }
    }

    @Test func theKeyFileIsCreatedOnceAndReadableByItsOwnerOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let first = try SecretBox.load(dataDirectory: folder, environmentKey: nil)
        let sealed = try first.seal(Data("x".utf8))
        let again = try SecretBox.load(dataDirectory: folder, environmentKey: nil)
        #expect(try again.open(sealed) == Data("x".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("secret.key").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(throws: RosterError.self) { try SecretBox.load(dataDirectory: folder, environmentKey: "short") }
    }
}
