import Foundation
import Logging
import Synchronization

/// Logging for the whole process, bootstrapped once: text lines, or one JSON object per line
/// (`ROSTER_LOG_FORMAT=json`) for log collectors. Messages are fixed; what varies is metadata.
public enum LogSetup {
    private static let bootstrapped = Mutex(false)

    /// Sets up the log handler for the process (only the first call counts) and answers a logger at `level`.
    public static func logger(format: RosterConfiguration.Log.Format, level: Logger.Level) -> Logger {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                switch format {
                case .text: return StreamLogHandler.standardError(label: label)
                case .json: return JSONLogHandler(label: label)
                }
            }
        }
        var logger = Logger(label: "roster")
        logger.logLevel = level
        return logger
    }
}

/// One JSON object per line on standard error: time, level, label, message, source and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { a, _ in a }.merging(event.metadata ?? [:]) {
            _, b in b
        }
        for (key, value) in merged { fields[key] = "\(value)" }
        fields["time"] = Date().formatted(.iso8601)
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = "\(event.message)"
        fields["source"] = event.source
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}
