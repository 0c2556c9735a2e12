import Foundation
import Testing

@testable import RosterApp

@Suite struct DateTextTests {
    /// The API's dates read exactly as they did with JSONEncoder's .iso8601.
    @Test func datesAreWrittenAsJSONEncodersISO8601WroteThem() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var generator = SystemRandomNumberGenerator()
        let dates =
            [0, 1, 59.999, 951_782_400, 1_796_083_200.5, -86_400 * 365.0, 253_402_300_799]
            .map(Date.init(timeIntervalSince1970:))
            + (0..<200).map { _ in Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000)) }
        for date in dates {
            let expected = String(decoding: try encoder.encode([date]), as: UTF8.self)
            #expect("[\"\(date.iso8601Text)\"]" == expected, "\(date.timeIntervalSince1970)")
        }
    }
}
