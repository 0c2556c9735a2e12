import Foundation
import SCIM

/// Each application's attribute mapping: saved as versions (who, when), checked before it is
/// saved against a sample of the application's users, applied by imports.
public struct AttributeMappings: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let access: IntegrationAccess

    /// How many of the application's users a new mapping is tried on before it is saved.
    public static let sampleSize = 20

    public func current(application name: String, by initiator: Initiator) async throws -> MappingVersion? {
        try initiator.require(.read)
        return try await storage.mappingVersions(applicationId: try await lookup.application(name).id).first
    }

    public func versions(application name: String, by initiator: Initiator) async throws -> [MappingVersion] {
        try initiator.require(.read)
        return try await storage.mappingVersions(applicationId: try await lookup.application(name).id)
    }

    /// Saves `mapping` as the application's next version, once every rule can work and it maps a
    /// sample of the application's users both ways; otherwise says which user it fails on. Answers the
    /// version and what it does to the sample: what import fills in, what provisioning writes back.
    public func set(application name: String, mapping: AttributeMapping, by initiator: Initiator) async throws
        -> (version: MappingVersion, preview: [MappingSample])
    {
        try initiator.require(.change)
        let application = try await lookup.application(name)
        var mapping = mapping
        mapping.attributes = CustomAttributes(try await storage.customAttributes())
        for rule in mapping.rules { try rule.validate(attributes: mapping.attributes) }
        let preview = mapping.rules.isEmpty ? [] : try await trySample(mapping, application)
        let previous = try await storage.mappingVersions(applicationId: application.id).first?.version ?? 0
        let version = MappingVersion(
            version: previous + 1, mapping: mapping, changedBy: initiator.email ?? initiator.label, changedAt: Date())
        try await storage.transaction { [mapping] tx in
            try await tx.saveMapping(applicationId: application.id, version)
            try await tx.record(
                InsightsEvent(
                    type: .attributeMappingSet, initiator: initiator,
                    resource: .init(
                        type: "attribute_mapping", id: application.id,
                        name: "version \(version.version): \(mapping.rules.count) rule(s)"),
                    application: .init(application)))
        }
        return (version, preview)
    }

    /// Maps the first users of the application through `mapping`, in and then back out; the first
    /// it fails on refuses it.
    private func trySample(_ mapping: AttributeMapping, _ application: Application) async throws -> [MappingSample] {
        let connection = try await access.connect(application)
        var sample: [SCIMUser] = []
        do {
            for try await page in connection.client.userPages(
                UserQuery(pageSize: Self.sampleSize), config: connection.provider)
            {
                sample += page
                if sample.count >= Self.sampleSize { break }
            }
        } catch { throw RosterError.from(error) }
        var preview: [MappingSample] = []
        for remote in sample.prefix(Self.sampleSize) {
            guard case .success(var user) = UserMapping.map(remote, source: ImportRules.source(application, jobId: nil))
            else { continue }
            do {
                try mapping.apply(to: &user, from: remote.raw)
                let written = try mapping.operations(for: user, creating: true)
                preview.append(
                    MappingSample(
                        remoteId: remote.id ?? "", userName: remote.userName,
                        inbound: mapping.inbound.map { ($0.target, user.value(of: $0.target)) },
                        outbound: zip(mapping.outbound, written).map { rule, operation in
                            (rule.source, operation.value.flatMap(\.text), rule.onlyOnCreate)
                        }))
            } catch {
                throw RosterError.invalid(
                    "the mapping fails on \(remote.userName ?? "the user") (id \(remote.id ?? "?")) of "
                        + "\(application.name): \(error)")
            }
        }
        return preview
    }
}

/// One of the application's users through a mapping: what import fills in (each inbound rule's
/// directory attribute and its value), and what provisioning writes back (each outbound rule's path
/// and its value, nil when it removes it).
public struct MappingSample: Sendable {
    public var remoteId: String
    public var userName: String?
    public var inbound: [(attribute: String, value: String?)]
    public var outbound: [(path: String, value: String?, onlyOnCreate: Bool)]
}
