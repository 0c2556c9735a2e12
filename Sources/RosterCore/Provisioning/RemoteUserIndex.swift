import Foundation
import SCIM

/// An application's users by userName and email, read once for a run of many pushes: linking an
/// existing account then costs no request per user. Read again after `lifetime`; users Roster
/// creates meanwhile are added as they are created. A user someone else creates in the
/// application during a run may be missed for up to `lifetime`: the create then meets the
/// provider's uniqueness (409) and the user is linked after a lookup of its own.
actor RemoteUserIndex {
    /// Pushes queued for one application from which reading all its users beats a lookup each.
    static let worthReadingFrom = 20
    let lifetime: Duration

    private struct Index {
        var byUserName: [String: String] = [:]
        var byEmail: [String: String] = [:]
        var read: ContinuousClock.Instant
    }
    private var indexes: [UUID: Index] = [:]
    private var reading: [UUID: Task<Index, any Error>] = [:]

    init(lifetime: Duration = .seconds(60)) { self.lifetime = lifetime }

    /// The remote id of the user with `userName` or `email` (any case), reading the application's
    /// users first if no fresh index of them is at hand.
    func find(userName: String, email: String, connection: IntegrationAccess.Connection) async throws -> String? {
        let index = try await fresh(connection)
        return index.byUserName[userName.lowercased()] ?? index.byEmail[email.lowercased()]
    }

    /// A user Roster created: found from now on without reading again.
    func remember(userName: String, email: String, remoteId: String, applicationId: UUID) {
        indexes[applicationId]?.byUserName[userName.lowercased()] = remoteId
        indexes[applicationId]?.byEmail[email.lowercased()] = remoteId
    }

    private func fresh(_ connection: IntegrationAccess.Connection) async throws -> Index {
        let id = connection.application.id
        if let index = indexes[id], ContinuousClock.now - index.read < lifetime { return index }
        // One read for every push that asks meanwhile.
        let task =
            reading[id]
            ?? Task {
                var index = Index(read: .now)
                let query = UserQuery(pageSize: UserQuery.largestPage)
                for try await page in connection.client.userPages(query, config: connection.provider, raw: false) {
                    for user in page {
                        guard let remoteId = user.id else { continue }
                        if let name = user.userName?.lowercased() {
                            index.byUserName[name] = index.byUserName[name] ?? remoteId
                        }
                        for email in user.emails.compactMap({ $0.value?.lowercased() }) {
                            index.byEmail[email] = index.byEmail[email] ?? remoteId
                        }
                    }
                }
                return index
            }
        reading[id] = task
        defer { reading[id] = nil }
        let index = try await task.value
        indexes[id] = index
        return index
    }
}
