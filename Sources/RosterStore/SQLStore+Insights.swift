import Foundation
import RosterCore
import SQLKit

extension SQLStore: InsightsRepository {
    public func record(_ event: InsightsEvent) async throws {
        try await withDB { db in try await Self.insert(event, in: db) }
    }

    static func insert(_ e: InsightsEvent, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO insights_events (id, time, type, initiator_type, initiator_id, initiator_email, resource_type,
              resource_id, resource_name, application_id, application_name, import_job_id, client_ip, success)
            VALUES (\(bind: e.id.text), \(bind: e.time.millis), \(bind: e.type), \(bind: e.initiator.type.rawValue),
              \(bind: e.initiator.id?.text), \(bind: e.initiator.email), \(bind: e.resource?.type), \(bind: e.resource?.id),
              \(bind: e.resource?.name), \(bind: e.application?.id.text), \(bind: e.application?.name),
              \(bind: e.importJobId?.text), \(bind: e.initiator.clientIp), \(bind: e.success ? 1 : 0))
            """).run()
    }

    public func events(type: String?, limit: Int) async throws -> [InsightsEvent] {
        try await withDB { db in
            var query = SQLQueryString("SELECT * FROM insights_events")
            if let type {
                query.appendInterpolation(unsafeRaw: " WHERE type = ")
                query.appendInterpolation(bind: type)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY time DESC, id LIMIT \(limit)")
            return try await db.raw(query).all().map { row in
                let applicationId = try row.optionalUUID("application_id")
                return InsightsEvent(
                    id: try row.uuid("id"), time: try row.date("time"), type: try row.string("type"),
                    initiator: Initiator(type: .init(rawValue: try row.string("initiator_type")) ?? .system,
                                         id: try row.optionalUUID("initiator_id"), email: try row.optionalString("initiator_email"),
                                         role: .readonly, clientIp: try row.optionalString("client_ip")),
                    resource: try row.optionalString("resource_type").map {
                        .init(type: $0, id: try row.optionalString("resource_id"), name: try row.optionalString("resource_name"))
                    },
                    application: try applicationId.map { .init(id: $0, name: try row.optionalString("application_name") ?? "") },
                    importJobId: try row.optionalUUID("import_job_id"), success: try row.int("success") != 0)
            }
        }
    }
}
