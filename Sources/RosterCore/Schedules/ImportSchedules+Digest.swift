import Foundation

extension ImportSchedules {
    /// Monday 00:00 UTC of the week `date` is in.
    static func week(atOrBefore date: Date) -> Date {
        // bounded: the clock's time in days
        let day = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        // 1 January 1970 was a Thursday: three days after a Monday.
        return Date(timeIntervalSince1970: Double(day - ((day + 3) % 7 + 7) % 7) * 86_400)
    }

    /// Each administrator's weekly digest of the scheduled imports they own, for the week that
    /// ended last Monday, sent once (by whichever instance claims it) and only if any ran.
    func sendDigests(now: Date) async throws {
        let week = Self.week(atOrBefore: now)
        let schedules = try await storage.schedules()
        for owned in Dictionary(grouping: schedules, by: \.ownerId).values {
            let jobs = try await storage.scheduledJobs(
                applicationIds: owned.map(\.applicationId), since: week.addingTimeInterval(-7 * 86_400), until: week)
            guard !jobs.isEmpty, try await storage.claimDigest(ownerId: owned[0].ownerId, week: week) else { continue }
            var names: [UUID: String] = [:]
            for id in Set(jobs.map(\.applicationId)) { names[id] = try await storage.application(id: id)?.name }
            try await mail.enqueue(
                ImportMail.digest(jobs: jobs, names: names, week: week, from: mail.from, to: owned[0].ownerEmail))
        }
    }
}

extension ImportMail {
    /// The week's scheduled imports of one administrator, by application.
    static func digest(jobs: [ImportJob], names: [UUID: String], week: Date, from: String, to: String)
        -> EmailMessage
    {
        let start = String(week.addingTimeInterval(-7 * 86_400).iso8601Text.prefix(10))
        var lines = ["Scheduled imports in the week from \(start) (UTC):", ""]
        let byApplication = Dictionary(grouping: jobs, by: \.applicationId).sorted {
            (names[$0.key] ?? "") < (names[$1.key] ?? "")
        }
        for (id, runs) in byApplication {
            let real = runs.filter { !$0.isDryRun }, dry = runs.filter(\.isDryRun)
            var line =
                "- \(names[id] ?? "a deleted application"): \(runs.count) run(s), "
                + "\(real.reduce(0) { $0 + $1.created }) created, \(runs.reduce(0) { $0 + $1.failed }) failed"
            if !dry.isEmpty { line += ", \(dry.reduce(0) { $0 + $1.created }) new in \(dry.count) dry run(s)" }
            lines.append(line)
            for run in runs where run.status == .failed {
                lines.append(
                    "    \(run.createdAt.iso8601Text): stopped: \(run.reason ?? "failed") (job \(run.id.text))")
            }
        }
        lines += ["", "Every run is in the import history (roster import show JOB_ID)."]
        return EmailMessage(
            from: from, to: to, subject: "Roster scheduled imports, week from \(start)",
            text: lines.joined(separator: "\n"))
    }
}
