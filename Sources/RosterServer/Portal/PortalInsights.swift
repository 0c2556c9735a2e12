import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// Directory Insights: filters, a chart of imports over time, and exports.
struct PortalInsights {
    let portal: Portal
    var roster: Roster { portal.roster }
    static let shown = 500
    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("insights") { request, context in
            let caller = try context.caller()
            let (query, filters) = try await parse(request)
            let events = try await roster.insights.events(
                InsightsQuery(
                    type: query.type, from: query.from, to: query.to, initiator: query.initiator,
                    applicationId: query.applicationId,
                    before: try request.query("before").map(InsightsCursor.init(token:)), limit: Self.shown + 1),
                by: caller)
            let apps = try await roster.applications.list(search: nil, by: caller).map(\.0)
            var values = filters
            values["types"] = InsightsEventType.allCases.map(\.rawValue)
            values["type"] = query.type?.rawValue ?? ""
            values["applications"] = apps.map {
                ["id": $0.id.text, "name": $0.name, "selected": $0.id == query.applicationId]
            }
            values["events"] = events.prefix(Self.shown).map(Self.row)
            values["count"] = min(events.count, Self.shown)
            values["limited"] = events.count > Self.shown
            values["limit"] = Self.shown
            if events.count > Self.shown, let last = events.prefix(Self.shown).last {
                // Older events by cursor: a page deep in ten million events costs what the first does.
                let filters = values["query"] as? String ?? ""
                values["olderPage"] =
                    "/insights?" + (filters.isEmpty ? "" : filters + "&") + "before="
                    + InsightsCursor(after: last).token
            }
            if let chart = Self.chart(
                try await roster.insights.importsPerDay(query, by: caller), from: query.from, to: query.to)
            {
                values["chart"] = chart
            }
            return portal.page("insights", title: "Directory Insights", section: "insights", values, context: context)
        }
        group.get("insights/export") { request, context in
            let caller = try context.caller()
            var (query, _) = try await parse(request)
            query.limit = 100_000
            let events = try await roster.insights.events(query, by: caller)
            let csv = request.query("format") == "csv"
            let body: String
            if csv {
                body = CSV.document(
                    header: [
                        "time", "type", "initiatorType", "initiator", "resourceType", "resourceId", "resource",
                        "applicationId", "application", "importJobId", "clientIp", "success",
                    ],
                    rows: events.map { e in
                        [
                            e.time.formatted(.iso8601), e.type.rawValue, e.initiator.type.rawValue,
                            e.initiator.email ?? "", e.resource?.type ?? "",
                            e.resource?.id ?? "", e.resource?.name ?? "", e.application?.id.text ?? "",
                            e.application?.name ?? "",
                            e.importJobId?.text ?? "", e.initiator.clientIp ?? "", e.success ? "true" : "false",
                        ]
                    })
            } else {
                body = try events.map { try RosterJSON.string(EventJSON($0)) + "\n" }.joined()
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"roster-insights.\(csv ? "csv" : "jsonl")\"",
                    .cacheControl: "no-store",
                ], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    /// The query the filters describe, and the filters as the form shows them again.
    private func parse(_ request: Request) async throws -> (InsightsQuery, [String: Any]) {
        let param = request.query
        var query = InsightsQuery(type: try param("type").map(InsightsEventType.parse), initiator: param("initiator"))
        if let text = param("from") {
            guard let from = InsightsQuery.time(text) else {
                throw RosterError.invalid("\"from\" must be a date like 2026-11-30")
            }
            query.from = from
        }
        if let text = param("to") {
            guard let to = InsightsQuery.time(text) else {
                throw RosterError.invalid("\"to\" must be a date like 2026-11-30")
            }
            query.to = to.addingTimeInterval(86400)  // the whole last day
        }
        if let app = param("application") { query.applicationId = try await roster.applications.find(app).id }
        var items: [URLQueryItem] = []
        for name in ["type", "from", "to", "initiator", "application"] {
            if let v = param(name) { items.append(.init(name: name, value: v)) }
        }
        var components = URLComponents()
        components.queryItems = items
        return (
            query,
            [
                "from": param("from") ?? "", "to": param("to") ?? "", "initiator": param("initiator") ?? "",
                "query": components.percentEncodedQuery ?? "",
            ]
        )
    }

    static func row(_ e: InsightsEvent) -> [String: Any] {
        [
            "time": PortalFormat.time(e.time), "type": e.type.rawValue,
            "initiator": e.initiator.label,
            "resource": [e.resource?.type, e.resource?.name].compactMap { $0 }.joined(separator: ": "),
            "application": e.application?.name ?? "", "outcome": e.success ? "success" : "failure",
        ]
    }

    /// A bar chart as SVG, drawn on the server: no script, no library. One bar per UTC day of
    /// the range asked for (the last 30 days by default, at most 92), empty days included.
    static func chart(_ counts: [(day: Date, count: Int)], from: Date?, to: Date?, now: Date = Date()) -> [String: Any]?
    {
        let dayLength: TimeInterval = 86400
        let startOfDay = { (d: Date) in
            Date(timeIntervalSince1970: (d.timeIntervalSince1970 / dayLength).rounded(.down) * dayLength)
        }
        let last = startOfDay(to.map { $0.addingTimeInterval(-1) } ?? now)  // `to` is exclusive
        var first = startOfDay(from ?? last.addingTimeInterval(-29 * dayLength))
        if last.timeIntervalSince(first) > 91 * dayLength { first = last.addingTimeInterval(-91 * dayLength) }
        let byDay = Dictionary(counts.map { (startOfDay($0.day), $0.count) }, uniquingKeysWith: +)
        let days = stride(from: first.timeIntervalSince1970, through: last.timeIntervalSince1970, by: dayLength)
            .map { Date(timeIntervalSince1970: $0) }
        guard let peak = days.compactMap({ byDay[$0] }).max(), peak > 0 else { return nil }
        let slot = 24, height = 200, top = 16, bottom = 20
        let labelEvery = max(1, days.count / 10)
        let bars = days.enumerated().map { index, day -> [String: Any] in
            let count = byDay[day] ?? 0
            // bounded: count <= peak: a fraction of the chart's height
            let h = count == 0 ? 0 : max(2, Int(Double(count) / Double(peak) * Double(height - top - bottom)))
            let x = index * slot + 3
            let label = PortalFormat.day(day)
            return [
                "x": x, "y": height - bottom - h, "w": slot - 6, "h": h, "count": count, "label": label,
                "value": count > 0 ? String(count) : "",
                "short": index % labelEvery == 0 ? String(label.dropFirst(5)) : "",
                "tx": x + (slot - 6) / 2, "ty": height - bottom - h - 3, "ly": height - 5,
            ]
        }
        return ["bars": bars, "width": days.count * slot, "height": height]
    }
}
