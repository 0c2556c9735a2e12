import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import RosterServer

@Suite struct PortalTests {
    @Test func formFieldsAreDecodedAndBlankOnesAreAbsent() {
        let form = FormData("email=ann%40example.com&name=Ann+Berg&blank=&id=1&id=2&password=+spaced+")
        #expect(form["email"] == "ann@example.com")
        #expect(form["name"] == "Ann Berg")
        #expect(form["blank"] == nil && form["missing"] == nil)
        #expect(form.all("id") == ["1", "2"])
        #expect(form.raw("password") == " spaced ")
    }

    @Test func aFlashSurvivesItsCookieAndRefusesAForgedKind() {
        let flash = Flash(.error, "Connection failed: <b>500</b>; try again")
        let back = Flash(cookieValue: flash.cookieValue)
        #expect(back?.kind == .error && back?.text == flash.text)
        #expect(!flash.cookieValue.contains(";") && !flash.cookieValue.contains(" "))
        #expect(Flash(cookieValue: "script:x") == nil)
    }

    @Test func onlyPathsOfThisSiteAreRedirectTargets() {
        #expect(sameOriginPath("http://127.0.0.1:8080/applications/x?tab=idm") == "/applications/x?tab=idm")
        #expect(
            sameOriginPath("https://evil.example/x") == "/x", "only the path is kept: the redirect stays on this site")
        #expect(sameOriginPath(nil) == nil)
        #expect(constantTimeEqual("abc", "abc") && !constantTimeEqual("abc", "abd") && !constantTimeEqual("abc", "ab"))
    }

    @Test func theChartHasABarForEveryDayOfTheRangeAndNoneWithoutImports() throws {
        let now = try Date("2026-11-30T12:00:00Z", strategy: .iso8601)
        let day = try Date("2026-11-28T00:00:00Z", strategy: .iso8601)
        let chart = try #require(PortalInsights.chart([(day, 7)], from: nil, to: nil, now: now))
        let bars = try #require(chart["bars"] as? [[String: Any]])
        #expect(bars.count == 30)
        #expect(bars.last?["label"] as? String == "2026-11-30")
        #expect(bars.first { $0["label"] as? String == "2026-11-28" }?["count"] as? Int == 7)
        #expect(PortalInsights.chart([], from: nil, to: nil, now: now) == nil)
    }
}
