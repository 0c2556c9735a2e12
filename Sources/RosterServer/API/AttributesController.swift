import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1/attributes`: the custom attributes of directory users.
struct AttributesController {
    let roster: Roster

    struct DeclareBody: Decodable {
        var name: String
        var type: String
        var description: String?
    }

    struct Removed: Encodable {
        var removed: String
        var clearedValues: Int
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("attributes") { _, context in
            try ["attributes": try await roster.attributes.list(by: try context.caller())].response()
        }
        group.post("attributes") { request, context in
            let body = try await request.decode(as: DeclareBody.self, context: context)
            let attribute = try await roster.attributes.declare(
                name: body.name, type: body.type, description: body.description, by: try context.caller())
            return try attribute.response(.created)
        }
        group.delete("attributes/:name") { request, context in
            let name = try context.path("name")
            let cleared = try await roster.attributes.remove(
                name: name, force: try request.boolQuery("force") ?? false, by: try context.caller())
            return try Removed(removed: name, clearedValues: cleared).response()
        }
    }
}
