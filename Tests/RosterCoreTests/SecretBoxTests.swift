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
}
