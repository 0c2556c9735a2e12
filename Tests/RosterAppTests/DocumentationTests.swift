import Foundation
import Testing

@testable import RosterApp

@Suite struct DocumentationTests {
    @Test func everySettingIsInTheOperationsGuide() throws {
        // setup
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/operations.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        // MUT, validate
        for setting in Setting.all {
            #expect(
                text.contains("| `\(setting.environment)` | `\(setting.key)` |"),
                "\(setting.environment) is not documented")
        }
    }
}
