import Foundation

/// The email that tells an administrator how an import went.
enum ImportMail {
    static func compose(job: ImportJob, application: Application, results: [ImportResult], from: String, to: String)
        -> EmailMessage
    {
        let verdict =
            switch job.status {
            case .completed: job.failed > 0 ? "completed with \(job.failed) failed" : "completed"
            case .failed: "stopped: \(job.reason ?? "failed")"
            default: job.status.rawValue
            }
        var lines = [
            "The import of users from \(application.name) \(verdict).", "",
            "Import job: \(job.id.text)",
            "Users: \(job.total)   created: \(job.created)   skipped: \(job.skipped)   failed: \(job.failed)", "",
        ]
        let failed = results.filter { $0.outcome == .failed }
        if !failed.isEmpty {
            lines.append("Users that could not be imported:")
            for result in failed.prefix(200) {
                lines.append("- \(result.userName ?? result.remoteId): \(result.reason ?? "failed")")
            }
            if failed.count > 200 { lines.append("- ... and \(failed.count - 200) more (see the attached CSV)") }
            lines.append("")
        }
        lines.append("Every user's result is in the attached CSV, and in `roster import show \(job.id.text)`.")
        return EmailMessage(
            from: from, to: to, subject: "Roster import from \(application.name): \(verdict)",
            text: lines.joined(separator: "\n"),
            attachments: [
                .init(
                    filename: "import-\(job.id.text).csv", contentType: "text/csv",
                    data: Data(ImportResult.csv(results).utf8))
            ])
    }
}
