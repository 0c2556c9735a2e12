import Foundation

/// The email that tells an administrator how an import went.
enum ImportMail {
    /// The most results the attached CSV lists.
    static let maxAttachedRows = 10_000

    struct Results {
        /// The first failed results (the body lists up to 200).
        var failed: [ImportResult]
        /// ``ImportResult/csvHeader`` and rows.
        var csv: Data
        /// Whether the CSV has every result, or only those not created.
        var complete: Bool
    }

    static func compose(job: ImportJob, application: Application, results: Results, from: String, to: String)
        -> EmailMessage
    {
        let failed = results.failed
        let verdict =
            switch job.status {
            case .completed: job.failed > 0 ? "completed with \(job.failed) failed" : "completed"
            case .failed: "stopped: \(job.reason ?? "failed")"
            default: job.status.rawValue
            }
        let kind = job.isDryRun ? "dry run of the scheduled import" : job.trigger == nil ? "import" : "scheduled import"
        let created = job.isDryRun ? "would create" : "created"
        var lines = [
            "The \(kind) of users from \(application.name) \(verdict).", "",
            "Import job: \(job.id.text)",
            "Users: \(job.total)   \(created): \(job.created)   skipped: \(job.skipped)   failed: \(job.failed)", "",
        ]
        if let trigger = job.trigger {
            lines.insert(
                "It ran for the slot of \(trigger.slot.iso8601Text)"
                    + (trigger.filter.map { ", users matching \($0)" } ?? "")
                    + (job.isDryRun ? "; nothing was created." : "."), at: 1)
        }
        if !failed.isEmpty {
            lines.append("Users that could not be imported:")
            for result in failed.prefix(200) {
                lines.append("- \(result.userName ?? result.remoteId): \(result.reason ?? "failed")")
            }
            let shown = min(failed.count, 200)
            if job.failed > shown { lines.append("- ... and \(job.failed - shown) more (see the attached CSV)") }
            lines.append("")
        }
        if results.complete {
            lines.append("Every user's result is in the attached CSV, and in `roster import show \(job.id.text)`.")
        } else {
            lines.append(
                "The attached CSV lists the users that were not created (at most \(maxAttachedRows)); every user's "
                    + "result is in `roster import show \(job.id.text)` and in the portal's download.")
        }
        return EmailMessage(
            from: from, to: to,
            subject: "Roster \(job.isDryRun ? "dry run" : job.trigger == nil ? "import" : "scheduled import") from "
                + "\(application.name): \(verdict)",
            text: lines.joined(separator: "\n"),
            attachments: [
                .init(
                    filename: "import-\(job.id.text).csv", contentType: "text/csv",
                    data: results.csv)
            ])
    }
}
