import Foundation
import RosterCore

#if canImport(Glibc)
    import Glibc
#endif

/// How `import run --wait` shows a running import on standard error: on a terminal, one bar
/// redrawn in place (users done of total, rate, time left); otherwise a plain line per change,
/// which a log file or a script reads well.
final class ImportProgress {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now
    private var lastShown = -1
    private var lastDraw = ContinuousClock.now - .seconds(1)

    func show(_ job: ImportJob) {
        guard job.processed != lastShown || job.isFinished else { return }
        lastShown = job.processed
        if !terminal {
            return write("import \(job.status.rawValue): \(job.processed) of \(job.total) users\n")
        }
        guard ContinuousClock.now - lastDraw >= .milliseconds(100) || job.isFinished else { return }
        lastDraw = .now
        write("\r\u{1B}[2K" + Self.bar(job, elapsed: ContinuousClock.now - started))
    }

    func end() {
        if terminal { write("\n") }
    }

    /// `[##########----------]  450/1000 users  120 users/s  about 5 s left`
    static func bar(_ job: ImportJob, elapsed: Duration, width: Int = 30) -> String {
        let total = max(job.total, job.processed)
        let filled = total > 0 ? min(width, job.processed * width / total) : 0
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(job.processed) / seconds : 0
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        text += "  \(job.processed)/\(total) users  \(Int(rate)) users/s"
        if rate > 0, total > job.processed {
            text += "  about \(Int((Double(total - job.processed) / rate).rounded(.up))) s left"
        }
        return text
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
