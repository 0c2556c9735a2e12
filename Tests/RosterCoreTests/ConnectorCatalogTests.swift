import Foundation
import SCIM
import Testing

@testable import RosterCore

@Suite struct ConnectorCatalogTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/RosterCore/Catalog/Presets").standardized
    static let keys: Set<String> = [
        "id", "name", "read", "sources", "scimDocs", "baseURL", "authentication", "pageSizeCap", "defaultPageSize",
        "rateLimit", "supports", "deprovisioning", "quirks",
    ]

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    static func isURL(_ text: String) -> Bool {
        text.hasPrefix("https://") && URL(string: text)?.host != nil
    }

    @Test func everyPresetFileSaysEveryFactOrNullWithTheSourcesItWasReadFrom() throws {
        let files = try Self.files()
        #expect(files.count >= 20)
        for file in files {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(file))
            let raw = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(file)")
            // Every fact is present: a value, or null for what the vendor does not document.
            #expect(Set(raw.keys) == Self.keys, "\(file) keys")
            let supports = try #require(raw["supports"] as? [String: Any], "\(file) supports")
            #expect(Set(supports.keys) == ["patch", "filter", "sort", "etag", "cursor"], "\(file) supports")
            let preset = try JSONDecoder().decode(ConnectorPreset.self, from: data)
            #expect(preset.id + ".json" == file)
            #expect(!preset.name.isEmpty && preset.read.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil, "\(file)")
            #expect(!preset.sources.isEmpty && preset.sources.allSatisfy(Self.isURL), "\(file) sources")
            #expect(Self.isURL(preset.scimDocs), "\(file) scimDocs")
            if let base = preset.baseURL {
                #expect(base.hasPrefix("https://") && !base.hasSuffix("/"), "\(file) baseURL")
                #expect(base.filter { $0 == "{" }.count == base.filter { $0 == "}" }.count, "\(file) baseURL")
                let filled = preset.placeholders.reduce(base) { $0.replacingOccurrences(of: "{\($1)}", with: "x") }
                #expect(URL(string: filled)?.host != nil, "\(file) baseURL")
            }
            #expect(preset.authentication.map { ["bearer", "basic", "oauth2"].contains($0) } ?? true, "\(file)")
            #expect((preset.pageSizeCap ?? 1) > 0 && (preset.defaultPageSize ?? 1) > 0, "\(file)")
            if let rate = preset.rateLimit { #expect(rate.requestsPerMinute > 0 && !rate.basis.isEmpty, "\(file)") }
            #expect(preset.deprovisioning.map { ["deactivate", "delete"].contains($0) } ?? true, "\(file)")
            #expect(preset.quirks.allSatisfy { !$0.isEmpty }, "\(file)")
        }
    }

    @Test func theCatalogRosterShipsIsEveryPresetFile() throws {
        let catalog = try ConnectorCatalog.bundled.get()
        #expect(catalog.presets.map { $0.id + ".json" }.sorted() == (try Self.files()))
        #expect(try catalog.preset("Slack").name == "Slack")
        #expect(catalog.search("git").map(\.id).sorted() == ["github-emu", "github-enterprise-server", "gitlab"])
        #expect(throws: RosterError.notFound("no preset \"slak\": did you mean slack? (roster app presets lists them)"))
        {
            try catalog.preset("slak")
        }
    }

    @Test func aPresetLowersWhatTheProviderSaysToWhatItsVendorDocuments() throws {
        let catalog = try ConnectorCatalog.bundled.get()
        let provider = ServiceProviderConfig(patchSupported: true, filterSupported: true, sortSupported: true)
        let atlassian = try catalog.preset("atlassian").applied(to: provider)
        #expect(atlassian.sortSupported == false && atlassian.filterSupported && atlassian.patchSupported)
        let terraform = try catalog.preset("hcp-terraform")
        #expect(terraform.applied(to: provider).pageSize(wanted: 1_000) == 200)
        #expect(terraform.applied(to: ServiceProviderConfig(maxPageSize: 50)).maxPageSize == 50)
        #expect(try catalog.preset("zoom").requestsPerSecond == 1)
    }

    @Test func aPresetURLWithPartsToFillInMustBeGivenAndOneWithoutIsUsedAsIs() throws {
        let catalog = try ConnectorCatalog.bundled.get()
        #expect(try catalog.preset("slack").scimURL(given: nil) == "https://api.slack.com/scim/v2")
        #expect(try catalog.preset("slack").scimURL(given: "https://x.test/scim") == "https://x.test/scim")
        #expect(throws: RosterError.self) { try catalog.preset("github-emu").scimURL(given: " ") }
        #expect(throws: RosterError.self) { try catalog.preset("notion").scimURL(given: nil) }
    }
}
