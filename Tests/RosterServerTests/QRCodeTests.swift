import Foundation
import Testing

@testable import RosterServer

@Suite struct QRCodeTests {
    @Test func theSmallestVersionThatHoldsTheTextIsChosen() throws {
        // setup, MUT, validate: byte mode at level M holds 14 bytes in version 1, 122 in version 7
        #expect(QRCode.capacity(1) == 14 && QRCode.capacity(7) == 122)
        #expect(try QRCode(text: String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(text: String(repeating: "a", count: 15)).version == 2)
        let uri = "otpauth://totp/Roster:ann%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Roster"
        let qr = try QRCode(text: uri)
        #expect(qr.size == qr.version * 4 + 17 && qr.modules.count == qr.size)
        #expect(throws: QRCode.Failure.self) { try QRCode(text: String(repeating: "a", count: 600)) }
    }

    @Test func everyBlockIsACodewordOfTheReedSolomonCode() {
        // A codeword (data then remainder) is a multiple of the generator: it vanishes at α⁰ … α^(n-1).
        let data: [UInt8] = Array("Roster TOTP enrolment".utf8)
        for degree in [10, 16, 22, 30] {
            let codeword = data + ReedSolomon.remainder(data, divisor: ReedSolomon.divisor(degree: degree))
            var root: UInt8 = 1
            for _ in 0..<degree {
                let value = codeword.reduce(UInt8(0)) { ReedSolomon.multiply($0, root) ^ $1 }
                #expect(value == 0)
                root = ReedSolomon.multiply(root, 2)
            }
        }
    }

    @Test func finderPatternsSitInThreeCornersAndTheDrawingIsSVG() throws {
        let qr = try QRCode(text: "hello")
        for (x, y) in [(0, 0), (qr.size - 7, 0), (0, qr.size - 7)] {
            #expect(
                qr.modules[y][x] && qr.modules[y + 6][x + 6] && !qr.modules[y + 1][x + 1] && qr.modules[y + 3][x + 3])
        }
        let svg = qr.svg(label: "code")
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 29 29\"") && !svg.contains("script"))
    }
}
