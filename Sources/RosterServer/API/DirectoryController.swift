import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1`: users, import jobs and Insights.
struct DirectoryController {
    let roster: Roster

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
            let users = try await roster.directory.users(
                search: request.query("search"), sort: sort, limit: try request.intQuery("limit") ?? 100,
                offset: try request.intQuery("offset") ?? 0, by: try context.caller())
            return try ["users": users.map(UserJSON.init)].response()
        }
        group.get("users/:id") { _, context in
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: try context.caller())
            return try UserJSON(user).response()
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
            let events = try await roster.insights.events(
                InsightsQuery(type: type, limit: try request.intQuery("limit") ?? 1000),
                by: try context.caller())
            return try ["events": events.map(EventJSON.init)].response()
        }
    }
}
