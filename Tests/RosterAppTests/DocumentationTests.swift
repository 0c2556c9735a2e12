import Foundation
import Testing

@testable import RosterApp

@Suite struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everySettingIsInTheOperationsGuide() throws {
        // setup
        let guide = Self.root.appendingPathComponent("docs/operations.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        // MUT, validate
        for setting in Setting.all {
            #expect(
                text.contains("| `\(setting.environment)` | `\(setting.key)` |"),
                "\(setting.environment) is not documented")
        }
    }

    @Test func everyTestTheREADMESecuritySectionNamesExists() throws {
        // setup
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = readme.components(separatedBy: "## Security").dropFirst().first ?? ""
        let names = Set(
            ["Tests", "tests-integration"].flatMap { folder in
                FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(folder).path)?
                    .compactMap { ($0 as? String).map { ($0 as NSString).lastPathComponent } } ?? []
            })
        // MUT: every `something_test.py` or `SomethingTests.swift` the table names
        let named = section.split(separator: "`").map(String.init)
            .filter { $0.hasSuffix(".py") || $0.hasSuffix("Tests.swift") }
        // validate
        #expect(named.count >= 10)
        for name in named { #expect(names.contains(name), "README names \(name), which does not exist") }
    }
}
