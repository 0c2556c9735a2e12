import Foundation
import RosterCore
import SQLKit

extension SQLStore: InsightsRepository {
    public func record(_ event: InsightsEvent) async throws {
        try await withDB { db in try await Self.insert(event, in: db) }
    }

    static func insert(_ e: InsightsEvent, in db: any SQLDatabase) async throws {
        try await insert([e], in: db)
    }

    static func insert(_ events: [InsightsEvent], in db: any SQLDatabase) async throws {
        _ = try await insertRows(eventInsert, events.map(eventRow), in: db)
    }

    static let eventInsert = """
        INSERT INTO insights_events (id, time, type, initiator_type, initiator_id, initiator_email, resource_type,
          resource_id, resource_name, application_id, application_name, import_job_id, client_ip, request_id, success,
          channel, api_key_id, api_key_name)
        """

    static func eventRow(_ e: InsightsEvent) -> [SQLCell] {
        [
            .text(e.id.text), .int(e.time.millis), .text(e.type.rawValue), .text(e.initiator.type.rawValue),
            .text(e.initiator.id?.text), .text(e.initiator.email), .text(e.resource?.type), .text(e.resource?.id),
            .text(e.resource?.name), .text(e.application?.id.text), .text(e.application?.name),
            .text(e.importJobId?.text), .text(e.initiator.clientIp), .text(e.initiator.requestId),
            .int(e.success ? 1 : 0), .text(e.initiator.channel), .text(e.initiator.apiKeyId?.text),
            .text(e.initiator.apiKeyName),
        ]
    }

    public func events(_ query: InsightsQuery) async throws -> [InsightsEvent] {
        try await read { db in
            var sql = SQLQueryString("SELECT * FROM insights_events")
            Self.appendConditions(query, to: &sql)
            sql.appendInterpolation(unsafeRaw: " ORDER BY time DESC, id DESC LIMIT \(max(1, query.limit))")
            return try await db.raw(sql).all().map(Self.event)
        }
    }

    public func dailyCounts(_ query: InsightsQuery) async throws -> [(day: Date, count: Int)] {
        try await read { db in
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
        if let before = query.before {
            // One row comparison: the (time, id) index finds where the page starts at any depth.
            and("(time, id) < (")
            sql.appendInterpolation(bind: before.millis)
            sql.appendInterpolation(unsafeRaw: ", ")
            sql.appendInterpolation(bind: before.id)
            sql.appendInterpolation(unsafeRaw: ")")
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
        var initiator = Initiator(
            type: .init(rawValue: try row.string("initiator_type")) ?? .system,
            id: try row.optionalUUID("initiator_id"), email: try row.optionalString("initiator_email"),
            role: .readonly, clientIp: try row.optionalString("client_ip"),
            requestId: try row.optionalString("request_id"), channel: try row.optionalString("channel"))
        initiator.apiKeyId = try row.optionalUUID("api_key_id")
        initiator.apiKeyName = try row.optionalString("api_key_name")
        return InsightsEvent(
            id: try row.uuid("id"), time: try row.date("time"), type: type,
            initiator: initiator,
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
