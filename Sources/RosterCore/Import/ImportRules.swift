import Foundation
import SCIM

/// The rules of import (SPEC.md "Import: the rules") that decide a remote user's fate.
enum ImportRules {
    static func source(_ application: Application, jobId: UUID?) -> DirectoryUser.Source {
        .init(type: .import, applicationId: application.id, importJobId: jobId)
    }

    /// Another remote user of the same application already became this directory user:
    /// the two share an email or username, and neither may silently take the other's place.
    static func isDuplicate(remoteId: String, of existing: DirectoryUser, application: UUID) -> Bool {
        existing.source.type == .import && existing.source.applicationId == application
            && existing.source.remoteId != nil && existing.source.remoteId != remoteId
    }

    static func duplicateReason(_ existing: DirectoryUser) -> String {
        "duplicate: email or username is also used by remote user \(existing.source.remoteId ?? "?"), already imported "
            + "as \(existing.email)"
    }

    static func notFoundReason(_ remoteId: String, _ application: Application) -> String {
        "\(remoteId) was not found in \(application.name)"
    }

    /// The rules of `job`'s batches: a dry run writes no user, a resumed job looks for results first.
    static func batchRules(application: Application, job: ImportJob) -> ImportBatchRules {
        var rules = ImportBatchRules(
            resolveConflict: { candidate, existing in
                if isDuplicate(remoteId: candidate.remoteId, of: existing, application: application.id) {
                    return ImportResult(
                        remoteId: candidate.remoteId, userName: candidate.userName, outcome: .failed,
                        reason: duplicateReason(existing))
                }
                return ImportResult(
                    remoteId: candidate.remoteId, userName: candidate.userName, outcome: .skipped,
                    userId: existing.id, reason: "already in the directory as \(existing.email)")
            },
            createdEvent: { user in
                InsightsEvent(
                    type: .userCreate, initiator: job.initiator,
                    resource: .init(type: "user", id: user.id, name: user.email),
                    application: .init(application), importJobId: job.id)
            }, mayHaveResults: job.processed > 0)
        rules.dryRun = job.isDryRun
        return rules
    }

    /// The import screen's view of remote users, in the order given. `seen` carries the
    /// emails and usernames of earlier pages so that a second user with the same one is
    /// shown as a duplicate before anyone imports it.
    static func classify(
        _ users: [SCIMUser], application: Application, storage: any Storage,
        seen: inout [String: String]
    ) async throws -> [RemoteUserStatus] {
        let mapped = users.map { ($0, UserMapping.map($0, source: source(application, jobId: nil))) }
        var keys: [String] = []
        for case (_, .success(let user)) in mapped { keys += [user.email.lowercased(), user.username.lowercased()] }
        let existing = keys.isEmpty ? [] : try await storage.usersMatching(keys: keys)
        var byKey: [String: DirectoryUser] = [:]
        for user in existing {
            byKey[user.email.lowercased()] = user
            byKey[user.username.lowercased()] = byKey[user.username.lowercased()] ?? user
        }
        var statuses: [RemoteUserStatus] = []
        for (remote, result) in mapped {
            var status = RemoteUserStatus(
                remoteId: remote.id ?? "", userName: remote.userName, email: UserMapping.chooseEmail(remote),
                displayName: remote.displayName, status: .new, matchedUserId: nil, reason: nil)
            switch result {
            case .failure(let failure):
                status.status = .invalid
                status.reason = failure.description
            case .success(let user):
                let userKeys = [user.email.lowercased(), user.username.lowercased()]
                if let match = userKeys.lazy.compactMap({ byKey[$0] }).first {
                    if isDuplicate(remoteId: status.remoteId, of: match, application: application.id) {
                        status.status = .invalid
                        status.reason = duplicateReason(match)
                    } else {
                        status.status = .exists
                        status.matchedUserId = match.id
                        status.reason = "already in the directory as \(match.email)"
                    }
                } else if let other = userKeys.compactMap({ [seen] in seen[$0] }).first(where: { $0 != status.remoteId }
                ) {
                    status.status = .invalid
                    status.reason = "duplicate: email or username is also used by remote user \(other)"
                }
                for key in userKeys where seen[key] == nil { seen[key] = status.remoteId }
            }
            statuses.append(status)
        }
        return statuses
    }
}
