import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// `/api/v1`: users, import jobs and Insights.
struct DirectoryController {
    let roster: Roster

    /// `{"attributes": {"jobTitle": "Engineer", "badgeNumber": 42, "contractor": null}}`.
    struct AttributesBody: Decodable {
        var attributes: [String: JSONValue]
        /// The version the client read, as `If-Match` carries it too.
        var version: Int?

        /// A value as `roster user set` takes it: null clears, numbers and booleans as their text.
        static func text(_ value: JSONValue) throws -> String {
            switch value {
            case .null: ""
            case .string, .number, .bool: value.text ?? ""
            case .array, .object:
                throw RosterError.invalid("an attribute's value is text, a number, true, false or null")
            }
        }
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("users") { request, context in
            let sort =
                try request.query("sort").map { text in
                    guard let sort = UserSort(rawValue: text) else {
                        let sorts = UserSort.allCases.map(\.rawValue).joined(separator: ", ")
                        throw RosterError.invalid("sort must be one of \(sorts), not \"\(text)\"")
                    }
                    return sort
                } ?? .email
            let limit = try request.intQuery("limit") ?? 100
            let filters = request.queries("where")
            if let offset = try request.intQuery("offset") {
                let users = try await roster.directory.users(
                    search: request.query("search"), filters: filters, sort: sort, limit: limit, offset: offset,
                    by: try context.caller())
                return try UsersPageJSON(users: users.map(UserJSON.init), nextCursor: nil).response()
            }
            // By cursor: the next page costs the same at any depth.
            let page = try await roster.directory.usersPage(
                search: request.query("search"), filters: filters, sort: sort, limit: limit,
                cursor: try request.query("cursor").map(UserCursor.init(token:)), by: try context.caller())
            return try UsersPageJSON(users: page.users.map(UserJSON.init), nextCursor: page.next?.token).response()
        }
        group.get("users/:id") { _, context in
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: caller)
            let manager = try await roster.directory.manager(of: user, by: caller)
            return try UserJSON(user, manager: manager).response(etag: user.version)
        }
        group.patch("users/:id") { request, context in
            let body = try await request.decode(as: AttributesBody.self, context: context)
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: caller)
            let version = try body.version ?? request.headers[.ifMatch].map(RequestValues.version)
            let changed = try await roster.directory.update(
                email: user.email, attributes: try body.attributes.mapValues(AttributesBody.text), version: version,
                by: caller)
            return try UserJSON(changed).response(etag: changed.version)
        }
        group.get("imports") { _, context in
            let jobs = try await roster.imports.history(by: try context.caller())
            return try ["jobs": jobs.map { ImportJSON($0.job, []).job }].response()
        }
        group.get("imports/:id") { _, context in
            let (job, results) = try await roster.imports.job(
                id: try context.id("id", "import job"), by: try context.caller())
            return try ImportJSON(job, results).response()
        }
        group.get("insights") { request, context in
            let type = try request.query("type").map(InsightsEventType.parse)
            let limit = try request.intQuery("limit") ?? 1000
            let events = try await roster.insights.events(
                InsightsQuery(
                    type: type, before: try request.query("cursor").map(InsightsCursor.init(token:)), limit: limit),
                by: try context.caller())
            return try EventsPageJSON(
                events: events.map(EventJSON.init),
                nextCursor: events.count == limit ? events.last.map { InsightsCursor(after: $0).token } : nil
            ).response()
        }
    }
}
