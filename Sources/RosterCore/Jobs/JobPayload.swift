import Foundation

/// The kinds of background work, one handler each.
public enum JobKind: String, Sendable, Hashable, CaseIterable {
    case importJob = "import"
    case provisionUser = "provision-user"
    case provisionGroup = "provision-group"
    case mail
}

/// What a queued job is to do. Stored as versioned JSON next to its kind, so a newer
/// Roster can tell old entries from new ones and an older one refuses what it cannot read.
public enum JobPayload: Sendable, Hashable {
    case importJob(importJobId: UUID)
    case provisionUser(applicationId: UUID, userId: UUID)
    case provisionGroup(applicationId: UUID, groupId: UUID)
    case mail(messageId: UUID)

    /// The version written today; migration 4 rewrote older payloads into it.
    public static let version = 1

    public var kind: JobKind {
        switch self {
        case .importJob: .importJob
        case .provisionUser: .provisionUser
        case .provisionGroup: .provisionGroup
        case .mail: .mail
        }
    }

    /// The application the work is for, so that its work can be held, released or cancelled together.
    public var applicationId: UUID? {
        switch self {
        case .provisionUser(let app, _), .provisionGroup(let app, _): app
        case .importJob, .mail: nil
        }
    }

    /// The JSON stored in the queue: keys sorted, ids in lower case, so equal work is equal text
    /// (the queue coalesces on it).
    public func encoded() -> String {
        var wire = Wire(v: Self.version)
        switch self {
        case .importJob(let id): wire.importJobId = id.text
        case .provisionUser(let app, let user): (wire.applicationId, wire.userId) = (app.text, user.text)
        case .provisionGroup(let app, let group): (wire.applicationId, wire.groupId) = (app.text, group.text)
        case .mail(let id): wire.messageId = id.text
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding five optional strings and an integer cannot fail.
        return String(decoding: (try? encoder.encode(wire)) ?? Data(), as: UTF8.self)
    }

    public init(kind: String, encoded: String) throws {
        func bad(_ why: String) -> RosterError {
            .internal("the queued \(kind) job's payload \(encoded) cannot be read: \(why)")
        }
        guard let kindValue = JobKind(rawValue: kind) else { throw bad("no Roster job has this kind") }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(encoded.utf8)) else {
            throw bad("it is not JSON")
        }
        guard wire.v == Self.version else {
            throw bad("version \(wire.v) is not the version \(Self.version) this Roster reads")
        }
        func id(_ text: String?, _ name: String) throws -> UUID {
            guard let text, let id = UUID(uuidString: text) else { throw bad("\(name) is missing or not an id") }
            return id
        }
        switch kindValue {
        case .importJob: self = .importJob(importJobId: try id(wire.importJobId, "importJobId"))
        case .provisionUser:
            self = .provisionUser(
                applicationId: try id(wire.applicationId, "applicationId"), userId: try id(wire.userId, "userId"))
        case .provisionGroup:
            self = .provisionGroup(
                applicationId: try id(wire.applicationId, "applicationId"), groupId: try id(wire.groupId, "groupId"))
        case .mail: self = .mail(messageId: try id(wire.messageId, "messageId"))
        }
    }

    private struct Wire: Codable {
        var v: Int
        var importJobId, applicationId, userId, groupId, messageId: String?
    }
}
