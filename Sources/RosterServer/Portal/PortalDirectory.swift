import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// Users: the list, a user's details, and their password.
struct PortalDirectory {
    let portal: Portal
    var roster: Roster { portal.roster }
    static let pageSize = 50
    static let sorts: [(UserSort, String)] = [
        (.email, "Email"), (.username, "Username"), (.created, "Newest first"), (.state, "State"),
    ]

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("users") { request, context in
            let caller = try context.caller()
            let search = request.query("search") ?? ""
            var condition = request.query("where") ?? ""
            // A filter that cannot be read is said above the list, which then shows every user.
            var filterError = ""
            do { try await roster.directory.check(filters: [condition].filter { !$0.isEmpty }, by: caller) } catch let
                error as RosterError
            {
                guard case .invalid(let message) = error else { throw error }
                filterError = message
                condition = ""
            }
            let filters = condition.isEmpty ? [] : [condition]
            let sort = request.query("sort").flatMap(UserSort.init(rawValue:)) ?? .email
            // Pages by cursor (the same cost at any depth); the page number is carried along when known.
            // A bare page number (an old link) is still answered, by offset.
            let number = try request.pageQuery()
            let cursor: UserCursor? =
                if let after = request.query("after") {
                    try UserCursor(token: after)
                } else if let before = request.query("before") {
                    try UserCursor(token: before)
                } else if request.query("last") != nil {
                    .last(sort)
                } else {
                    nil
                }
            let page: Int? = cursor == nil || request.query("page") != nil ? number : nil
            let result: UserPage
            if cursor == nil, number > 1 {
                let oneMore = Self.pageSize + 1  // bounded: a constant
                let found = try await roster.directory.users(
                    search: search.isEmpty ? nil : search, filters: filters, sort: sort, limit: oneMore,
                    offset: (number - 1) * Self.pageSize, by: caller)  // bounded: pageQuery reads 1 to 1000000
                let shown = Array(found.prefix(Self.pageSize))
                result = UserPage(
                    users: shown,
                    next: found.count > Self.pageSize ? shown.last.map { UserCursor(after: $0, sort: sort) } : nil,
                    previous: shown.first.map { UserCursor(after: $0, sort: sort, backwards: true) })
            } else {
                result = try await roster.directory.usersPage(
                    search: search.isEmpty ? nil : search, filters: filters, sort: sort, limit: Self.pageSize,
                    cursor: cursor, by: caller)
            }
            let users = result.users
            func link(_ cursor: UserCursor?, page: Int?, last: Bool = false) -> String {
                var items: [URLQueryItem] = [.init(name: "sort", value: sort.rawValue)]
                if !search.isEmpty { items.append(.init(name: "search", value: search)) }
                if !condition.isEmpty { items.append(.init(name: "where", value: condition)) }
                if let cursor { items.append(.init(name: cursor.backwards ? "before" : "after", value: cursor.token)) }
                if let page { items.append(.init(name: "page", value: String(page))) }
                if last { items.append(.init(name: "last", value: "1")) }
                var components = URLComponents()
                components.queryItems = items
                return "/users?" + (components.percentEncodedQuery ?? "")
            }
            var summary: String
            if users.isEmpty {
                summary = "No user on this page."
            } else if let page {
                let first = (page - 1) * Self.pageSize
                summary = "Users \(first + 1) to \(first + users.count)"
            } else {
                summary = "\(users.count) users"
            }
            let matching = [search, condition].filter { !$0.isEmpty }.map { "“\($0)”" }
            if matching.isEmpty, !users.isEmpty {
                summary += " of \(try await roster.directory.userCount(by: caller))."
            } else if !users.isEmpty {
                summary += " matching " + matching.joined(separator: " and ") + "."
            }
            let attributes = try await roster.attributes.list(by: caller)
            let previousPage = page.map { $0 - 1 }.flatMap { $0 >= 1 ? $0 : nil }
            let values: [String: Any] = [
                "search": search, "where": filterError.isEmpty ? condition : request.query("where") ?? "",
                "filterError": filterError, "summary": summary,
                "attributes": attributes.map {
                    ["name": $0.name, "type": $0.type.rawValue, "description": $0.description ?? ""]
                },
                "hasAttributes": !attributes.isEmpty,
                "types": CustomAttribute.Kind.allCases.map(\.rawValue),
                "sorts": Self.sorts.map { ["value": $0.0.rawValue, "label": $0.1, "selected": $0.0 == sort] },
                "prevPage": result.previous.map {
                    previousPage == 1 ? link(nil, page: nil) : link($0, page: previousPage)
                }
                    ?? "",
                "nextPage": result.next.map { link($0, page: page.map { $0 + 1 }) } ?? "",
                "firstPage": cursor == nil && number == 1 ? "" : link(nil, page: nil),
                "lastPage": result.next == nil ? "" : link(nil, page: nil, last: true),
                "users": users.map { u -> [String: Any] in
                    [
                        "id": u.id.text, "email": u.email, "username": u.username, "name": u.label,
                        "state": u.state.rawValue,
                        "stateClass": u.state == .active ? "ok" : u.state == .suspended ? "bad" : "",
                        "passwordStatus": u.passwordStatus.rawValue, "created": PortalFormat.time(u.created),
                        "custom": attributes.map { u.customValue(of: $0.name)?.text ?? "" },
                    ]
                },
            ]
            return portal.page("users", title: "Users", section: "users", values, context: context)
        }
        group.get("users/:id") { _, context in
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try userId(context), by: caller)
            let origin = try await roster.directory.origin(of: user, by: caller)
            let declared = try await roster.attributes.list(by: caller)
            let manager = try await roster.directory.manager(of: user, by: caller)
            let shown = UserJSON(user, manager: manager)
            var source: [String: Any] = [
                "type": user.source.type == .api ? "through the API" : "by hand",
                "remoteId": user.source.remoteId ?? "",
            ]
            if user.source.type == .import {
                source["application"] = origin.application?.name ?? "an application since deleted"
                source["applicationId"] = user.source.applicationId?.text ?? ""
                source["jobId"] = user.source.importJobId?.text ?? ""
                source["jobShort"] = String((user.source.importJobId?.text ?? "").prefix(8))
            }
            let values: [String: Any] = [
                "user": [
                    "id": user.id.text, "label": user.label, "email": user.email, "username": user.username,
                    "version": user.version,
                    "state": user.state.rawValue, "passwordStatus": user.passwordStatus.rawValue,
                    "firstname": user.firstname ?? "", "middlename": user.middlename ?? "",
                    "lastname": user.lastname ?? "",
                    "displayname": user.displayname ?? "", "jobTitle": user.jobTitle ?? "",
                    "department": user.department ?? "",
                    "costCenter": user.costCenter ?? "", "employeeType": user.employeeType ?? "",
                    "employeeIdentifier": user.employeeIdentifier ?? "", "organization": user.organization ?? "",
                    "addresses": user.addresses.map { ["type": $0.type, "text": PortalFormat.address($0)] },
                    "phones": shown.phoneEntries,
                    "emails": shown.emailEntries,
                    "preferredLanguage": user.profile.text("preferredLanguage") ?? "",
                    "locale": user.profile.text("locale") ?? "", "timezone": user.profile.text("timezone") ?? "",
                    "nickName": user.profile.text("nickName") ?? "", "division": user.profile.text("division") ?? "",
                    "created": PortalFormat.time(user.created), "updated": PortalFormat.time(user.updated),
                ].merging(shown.managerEntry.map { ["manager": $0] } ?? [:]) { a, _ in a } as [String: Any],
                "source": source, "passwordSet": user.passwordStatus == .set,
                "custom": declared.map { ["name": $0.name, "value": user.customValue(of: $0.name)?.text ?? ""] },
                "editable": DirectoryService.editableAttributes.map { ["name": $0, "value": user.value(of: $0) ?? ""] }
                    + declared.map {
                        ["name": $0.name, "value": user.customValue(of: $0.name)?.text ?? "", "type": $0.type.rawValue]
                    },
                "groups": origin.groups.map { ["id": $0.id.text, "name": $0.name] },
            ]
            return portal.page("user", title: user.label, section: "users", values, context: context)
        }
        group.post("attributes") { _, context in
            let declared = try await roster.attributes.declare(
                name: context.form["name"] ?? "", type: context.form["type"] ?? "",
                description: context.form["description"],
                by: try context.caller())
            return portal.redirect(
                "/users", Flash(.notice, "Custom attribute \(declared.name) (\(declared.type.rawValue)) declared."))
        }
        group.post("users/:id/password") { _, context in
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try userId(context), by: caller)
            guard context.form.raw("password") == context.form.raw("confirm") else {
                throw RosterError.invalid("the two passwords differ")
            }
            try await roster.accounts.setPassword(
                email: user.email, password: context.form.raw("password") ?? "", by: caller)
            return portal.redirect("/users/\(user.id.text)", Flash(.notice, "Password set for \(user.email)."))
        }
        group.post("users/:id/attributes") { _, context in
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try userId(context), by: caller)
            let names = try await DirectoryService.editableAttributes + roster.attributes.list(by: caller).map(\.name)
            // Only what the form changed: a value the administrator did not touch is not read again.
            var changes: [String: String] = [:]
            for name in names {
                guard let sent = context.form.raw("attribute." + name) else { continue }
                let value = sent.trimmingCharacters(in: .whitespacesAndNewlines)
                if value != (user.value(of: name) ?? "") { changes[name] = value }
            }
            // The version the form was read at: a change someone made since is never written over.
            let version = context.form["version"].flatMap { CheckedNumber.read($0, in: 0...Int.max) }
            let changed = try await roster.directory.update(
                email: user.email, attributes: changes, version: version, by: caller)
            guard changed != user else {
                return portal.redirect("/users/\(user.id.text)", Flash(.notice, "Nothing was changed."))
            }
            return portal.redirect(
                "/users/\(user.id.text)",
                Flash(.notice, "Changed " + changes.keys.sorted().joined(separator: ", ") + "."))
        }
        group.post("users/:id/activation") { _, context in
            let caller = try context.caller()
            let user = try await roster.directory.user(id: try userId(context), by: caller)
            try await roster.accounts.sendLink(email: user.email, by: caller)
            let kind = user.passwordStatus == .set ? "A password reset" : "An activation"
            return portal.redirect(
                "/users/\(user.id.text)", Flash(.notice, "\(kind) link was emailed to \(user.email)."))
        }
    }

    private func userId(_ context: APIContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.path("id")) else {
            throw RosterError.notFound("there is no such user")
        }
        return id
    }
}
