import Foundation
import RosterCore
import SQLKit

extension SQLStore: InsightsRepository {
    public func record(_ event: InsightsEvent) async throws {
        try await withDB { db in try await Self.insert(event, in: db) }
    }

    static func insert(_ e: InsightsEvent, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO insights_events (id, time, type, initiator_type, initiator_id, initiator_email, resource_type,
              resource_id, resource_name, application_id, application_name, import_job_id, client_ip, request_id,
                success)
            VALUES (\(bind: e.id.text), \(bind: e.time.millis), \(bind: e.type.rawValue),
              \(bind: e.initiator.type.rawValue),
              \(bind: e.initiator.id?.text), \(bind: e.initiator.email), \(bind: e.resource?.type),
                \(bind: e.resource?.id),
              \(bind: e.resource?.name), \(bind: e.application?.id.text), \(bind: e.application?.name),
              \(bind: e.importJobId?.text), \(bind: e.initiator.clientIp), \(bind: e.initiator.requestId),
              \(bind: e.success ? 1 : 0))
            """
        ).run()
    }

    public func events(_ query: InsightsQuery) async throws -> [InsightsEvent] {
        try await withDB { db in
            var sql = SQLQueryString("SELECT * FROM insights_events")
            Self.appendConditions(query, to: &sql)
            sql.appendInterpolation(unsafeRaw: " ORDER BY time DESC, id LIMIT \(max(1, query.limit))")
            return try await db.raw(sql).all().map(Self.event)
        }
    }

    public func dailyCounts(_ query: InsightsQuery) async throws -> [(day: Date, count: Int)] {
        try await withDB { db in
            var sql = SQLQueryString("SELECT time / 86400000 AS day, count(*) AS n FROM insights_events")
            Self.appendConditions(query, to: &sql)
            sql.appendInterpolation(unsafeRaw: " GROUP BY time / 86400000 ORDER BY day")
            return try await db.raw(sql).all().map { row in
                (Date(timeIntervalSince1970: TimeInterval(try row.int("day")) * 86400), try row.int("n"))
            }
        }
    }

    private static func appendConditions(_ query: InsightsQuery, to sql: inout SQLQueryString) {
        var first = true
        func and(_ column: String) {
            sql.appendInterpolation(unsafeRaw: first ? " WHERE \(column) " : " AND \(column) ")
            first = false
        }
        if let type = query.type {
            and("type =")
            sql.appendInterpolation(bind: type.rawValue)
        }
        if let from = query.from {
            and("time >=")
            sql.appendInterpolation(bind: from.millis)
        }
        if let to = query.to {
            and("time <")
            sql.appendInterpolation(bind: to.millis)
        }
        if let applicationId = query.applicationId {
            and("application_id =")
            sql.appendInterpolation(bind: applicationId.text)
        }
        if let initiator = query.initiator?.lowercased() {
            if initiator == Initiator.Kind.system.rawValue || initiator == Initiator.Kind.apikey.rawValue {
                and("initiator_type =")
                sql.appendInterpolation(bind: initiator)
            } else {
                and("lower(initiator_email) =")
                sql.appendInterpolation(bind: initiator)
            }
        }
    }

    static func event(_ row: any SQLRow) throws -> InsightsEvent {
        let applicationId = try row.optionalUUID("application_id")
        let typeText = try row.string("type")
        guard let type = InsightsEventType(rawValue: typeText) else {
            throw StoreError("the Insights event \(try row.string("id")) has the unknown type \(typeText)")
        }
        return InsightsEvent(
            id: try row.uuid("id"), time: try row.date("time"), type: type,
            initiator: Initiator(
                type: .init(rawValue: try row.string("initiator_type")) ?? .system,
                id: try row.optionalUUID("initiator_id"), email: try row.optionalString("initiator_email"),
                role: .readonly, clientIp: try row.optionalString("client_ip"),
                requestId: try row.optionalString("request_id")),
            resource: try row.optionalString("resource_type").map {
                .init(
                    type: $0, text: try row.optionalString("resource_id"), name: try row.optionalString("resource_name")
                )
            },
            application: try applicationId.map {
                .init(id: $0, name: try row.optionalString("application_name") ?? "")
            },
            importJobId: try row.optionalUUID("import_job_id"), success: try row.int("success") != 0)
    }
}
