import Foundation
import SCIM

/// What each selected remote user would become, read from the service provider now.
public struct ImportPreview: Sendable {
    let storage: any Storage
    let applications: ApplicationService
    let access: IntegrationAccess

    public struct Item: Sendable {
        public var status: RemoteUserStatus
        /// The directory user it becomes, when it can be imported.
        public var user: DirectoryUser?
        /// The application's rule that produced each attribute the mapping set.
        public var rules: [String: AttributeRule] = [:]
    }

    public func preview(application name: String, remoteIds: [String], by initiator: Initiator) async throws -> [Item] {
        try initiator.require(.read)
        let connection = try await access.connect(try await applications.find(name))
        let application = connection.application
        var remote: [SCIMUser] = []
        var fetchedIds: [String] = []
        var missing: Set<String> = []
        for id in remoteIds {
            do {
                remote.append(try await connection.client.user(id: id))
                fetchedIds.append(id)
            } catch let error as SCIMClientError where error.kind == .notFound {
                missing.insert(id)  // deleted since it was listed: the import will report it too
            } catch { throw RosterError.from(error) }
        }
        var seen: [String: String] = [:]
        let statuses = try await ImportRules.classify(remote, application: application, storage: storage, seen: &seen)
        let mapping = try await storage.currentMapping(of: application.id)
        var found: [String: Item] = [:]
        for (id, (user, status)) in zip(fetchedIds, zip(remote, statuses)) {
            var item = Item(
                status: status,
                user: try? UserMapping.map(user, source: ImportRules.source(application, jobId: nil)).get())
            if let mapping, var mapped = item.user {
                do {
                    item.rules = try mapping.apply(to: &mapped, from: user.raw)
                    item.user = mapped
                } catch {
                    // As the import will: the user cannot be imported through this mapping.
                    item.status.status = .invalid
                    item.status.reason = "the application's mapping: \(error)"
                    item.user = nil
                }
            }
            found[id] = item
        }
        return remoteIds.compactMap { id in
            if let item = found[id] { return item }
            guard missing.contains(id) else { return nil }
            return Item(
                status: RemoteUserStatus(
                    remoteId: id, userName: nil, email: nil, displayName: nil, status: .invalid,
                    matchedUserId: nil, reason: ImportRules.notFoundReason(id, application)),
                user: nil)
        }
    }
}
