import Foundation
import RosterApp
import RosterCore

/// How the portal writes dates and compound values.
enum PortalFormat {
    static func time(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(
                dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon,
                timeZoneSeparator: .omitted, includingFractionalSeconds: false, timeZone: .gmt
            )
            .year().month().day().time(includingFractionalSeconds: false)) + " UTC"
    }

    /// A domain message as a sentence on a page: a capital first letter and a full stop.
    static func sentence(_ text: String) -> String {
        let capitalised = text.prefix(1).uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") || capitalised.hasSuffix("?") || capitalised.hasSuffix("!")
            ? capitalised : capitalised + "."
    }

    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
    }

    static func address(_ a: DirectoryUser.Address) -> String {
        [a.streetAddress, a.poBox.map { "PO Box \($0)" }, a.locality, a.region, a.postalCode, a.country]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
    }
}
