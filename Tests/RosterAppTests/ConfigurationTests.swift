import Foundation
import RosterCore
import Testing

@testable import RosterApp

@Suite struct ConfigurationTests {
    func folder(file name: String? = nil, _ text: String = "") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("roster-config-\(UUID().text)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let name { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return folder.path
    }

    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault() throws {
        // setup
        let data = try folder(file: "roster.toml", "[http]\nport = 9002\n\n[jobs]\nleaseSeconds = 45 # a comment\n")
        let environment = ["ROSTER_HTTP_PORT": "9001"]
        // MUT, validate
        let all = try RosterConfiguration.load(flags: ["dataDir": data, "http.port": "9000"], environment: environment)
        #expect(all.http.port == 9000 && all.sources["http.port"] == "flag")
        let noFlag = try RosterConfiguration.load(flags: ["dataDir": data], environment: environment)
        #expect(noFlag.http.port == 9001 && noFlag.sources["http.port"] == "environment")
        let fileOnly = try RosterConfiguration.load(flags: ["dataDir": data], environment: [:])
        #expect(fileOnly.http.port == 9002 && fileOnly.sources["http.port"]?.hasPrefix("file") == true)
        #expect(fileOnly.jobLeaseSeconds == 45)
        let none = try RosterConfiguration.load(flags: ["dataDir": try folder()], environment: [:])
        #expect(none.http.port == 8080 && none.sources["http.port"] == nil && none.jobLeaseSeconds == 30)
    }

    @Test func aJSONFileIsReadToo() throws {
        // setup
        let data = try folder(
            file: "roster.json",
            #"{"smtp": {"url": "smtp://mail.example.com:587"}, "mail": {"from": "id@example.com"}}"#)
        // MUT
        let configuration = try RosterConfiguration.load(flags: ["dataDir": data], environment: [:])
        // validate
        #expect(
            configuration.mail.smtpURL == "smtp://mail.example.com:587" && configuration.mail.from == "id@example.com")
    }

    @Test func anInvalidValueStopsStartUpWithASentenceNamingTheVariable() throws {
        let data = try folder()
        let cases: [([String: String], String)] = [
            (
                ["ROSTER_JOB_LEASE_SECONDS": "abc"],
                "ROSTER_JOB_LEASE_SECONDS (jobs.leaseSeconds in roster.toml) must be a whole number"
            ),
            (["ROSTER_JOB_LEASE_SECONDS": "1"], "from 3 to 86400, not \"1\""),
            (
                ["ROSTER_LOG_FORMAT": "xml"],
                "ROSTER_LOG_FORMAT (log.format in roster.toml) must be one of text, json, not \"xml\""
            ),
            (
                ["ROSTER_PUBLIC_URL": "roster.example.com"],
                "ROSTER_PUBLIC_URL (publicUrl in roster.toml) must be an http:// or https:// URL"
            ),
            (["DATABASE_URL": "mysql://x"], "DATABASE_URL (database.url in roster.toml) must be a postgres:// URL"),
        ]
        for (environment, expected) in cases {
            // MUT
            let error = #expect(throws: RosterError.self) {
                try RosterConfiguration.load(flags: ["dataDir": data], environment: environment)
            }
            // validate
            #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test func aSettingsFileWithAnUnknownKeyOrABadLineIsRefusedWithTheLine() throws {
        let unknown = try folder(file: "roster.toml", "[smtp]\nhost = \"mail\"\n")
        let error = #expect(throws: RosterError.self) {
            try RosterConfiguration.load(flags: ["dataDir": unknown], environment: [:])
        }
        #expect(error?.description.contains("\"smtp.host\", which is not a Roster setting") == true)
        let bad = try folder(file: "roster.toml", "[http]\nport = eighty\n")
        let line = #expect(throws: RosterError.self) {
            try RosterConfiguration.load(flags: ["dataDir": bad], environment: [:])
        }
        #expect(line?.description.contains("roster.toml, line 2") == true)
    }

    @Test func showingTheSettingsMasksEverySecret() throws {
        // setup
        let environment = [
            "DATABASE_URL": "postgres://roster:hunter2@db.example.com:5432/roster",
            "ROSTER_SECRET_KEY": "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "ROSTER_SMTP_URL": "smtp://mailer:s3cret@mail.example.com:587",
        ]
        // MUT
        let shown = try RosterConfiguration.load(flags: ["dataDir": try folder()], environment: environment).describe()
        // validate
        let text = shown.map { "\($0.setting.environment)=\($0.value) (\($0.source))" }.joined(separator: "\n")
        #expect(!text.contains("hunter2") && !text.contains("s3cret") && !text.contains("3q2+7w"))
        #expect(text.contains("DATABASE_URL=postgres://roster:***@db.example.com:5432/roster (environment)"))
        #expect(text.contains("ROSTER_SECRET_KEY=*** (44 characters) (environment)"))
        #expect(text.contains("ROSTER_JOB_LEASE_SECONDS=30 (default)"))
    }
}
