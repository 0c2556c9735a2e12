import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// Manual import: the application's users with their status, a preview, the import itself,
/// and the history of every import job.
struct PortalImport {
    let portal: Portal
    var roster: Roster { portal.roster }
    static let pageSize = 50
    /// Sort keys offered on the import screen (SCIM attribute paths).
    static let sorts = [
        ("userName", "Username"), ("displayName", "Display name"), ("name.familyName", "Family name"),
        ("emails", "Email"),
    ]

    /// "just now", "3 minutes ago": how old the listing the screen shows is.
    static func ago(_ date: Date) -> String {
        // bounded: minutes since a stored date, by the clock
        let minutes = Int(Date().timeIntervalSince(date) / 60)
        switch minutes {
        case ..<1: return "just now"
        case 1: return "1 minute ago"
        case ..<120: return "\(minutes) minutes ago"
        default: return "\(minutes / 60) hours ago"
        }
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("applications/:app/import") { request, context in
            let caller = try context.caller()
            let app = try await roster.applications.find(try context.path("app"))
            let param = request.query
            let status = param("status").flatMap(RemoteUserStatus.Status.init(rawValue:))
            let sort = param("sort").flatMap { s in Self.sorts.first { $0.0 == s }?.0 }
            let descending = param("order") == "descending"
            let page = try request.pageQuery()
            let (start, overflow) = (page - 1).multipliedReportingOverflow(by: Self.pageSize)
            let offset = overflow ? Int.max : start
            let result: ListingPage
            if let filter = param("filter"), !filter.isEmpty {
                // A SCIM filter is the application's to answer: read it as asked.
                let options = RemoteListing.Options(
                    filter: filter, search: param("search"), sortBy: sort,
                    sortOrder: descending ? .descending : .ascending)
                result = try await roster.remoteUsers.filteredPage(
                    application: app.name, options: options, status: status, limit: Self.pageSize, offset: offset,
                    by: caller)
            } else {
                let query = ListingQuery(
                    status: status, search: param("search"),
                    sort: sort.flatMap { ListingQuery.Sort(attribute: $0) } ?? .listed,
                    descending: descending, limit: Self.pageSize, offset: offset)
                result = try await roster.remoteUsers.storedPage(
                    application: app.name, query, refresh: param("refresh") == "true", by: caller)
            }
            // bounded: matching counts the stored listing's rows
            let pages = max(1, (result.matching + Self.pageSize - 1) / Self.pageSize)
            func link(_ page: Int, refresh: Bool = false) -> String {
                var items = [URLQueryItem(name: "page", value: String(page))]
                if refresh { items.append(.init(name: "refresh", value: "true")) }
                for name in ["search", "filter", "status", "sort", "order"] {
                    if let v = param(name) { items.append(.init(name: name, value: v)) }
                }
                var components = URLComponents()
                components.queryItems = items
                return "/applications/\(app.id.text)/import?" + (components.percentEncodedQuery ?? "")
            }
            var values: [String: Any] = [
                "app": ["id": app.id.text, "name": app.name],
                "search": param("search") ?? "", "filter": param("filter") ?? "", "descending": descending,
                "sorts": Self.sorts.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == sort] },
                "count_all": result.counts.values.reduce(0, +), "count_new": result.counts[.new] ?? 0,
                "count_exists": result.counts[.exists] ?? 0, "count_invalid": result.counts[.invalid] ?? 0,
                "matching": result.matching, "page": page, "pages": pages,
                "prevPage": page > 1 ? link(page - 1) : "", "nextPage": page < pages ? link(page + 1) : "",
                "users": result.users.map(Self.row),
                "listedAgo": Self.ago(result.listedAt), "refreshLink": link(page, refresh: true),
            ]
            if let status { values["status_" + status.rawValue] = true }
            return portal.page(
                "import", title: "Import from \(app.name)", section: "applications", values, context: context)
        }
        group.post("applications/:app/import/preview") { _, context in
            let caller = try context.caller()
            let app = try await roster.applications.find(try context.path("app"))
            let all = context.form["all"] != nil
            var ids = context.form.all("id")
            var selected = ids.count
            if all {
                let everyone = try await roster.remoteUsers.remoteUsers(application: app.name, by: caller)
                selected = everyone.count
                ids = everyone.map(\.remoteId)
            }
            guard !ids.isEmpty else { throw RosterError.invalid("select at least one user to import") }
            let shown = Array(ids.prefix(Self.pageSize))
            let preview = try await roster.importPreview.preview(application: app.name, remoteIds: shown, by: caller)
            var values: [String: Any] = [
                "app": ["id": app.id.text, "name": app.name], "all": all, "ids": all ? [] : ids, "selected": selected,
                "threshold": ImportService.backgroundThreshold,
                "background": selected >= ImportService.backgroundThreshold,
                "rows": preview.map { item -> [String: Any] in
                    var row = Self.row(item.status)
                    if let user = item.user, item.status.status == .new {
                        var shown = Self.previewUser(user)
                        shown["rules"] = item.rules.values.map(\.summary).sorted().joined(separator: "; ")
                        row["user"] = shown
                    }
                    return row
                },
            ]
            // A number is "true" in Mustache, even 0: the key is only there when there are more.
            if selected > shown.count { values["more"] = selected - shown.count }
            return portal.page(
                "import-preview", title: "Preview import", section: "applications", values, context: context)
        }
        group.post("applications/:app/import") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            let selection: ImportSelection = context.form["all"] != nil ? .all : .ids(context.form.all("id"))
            let outcome = try await roster.imports.start(
                application: app.name, selection: selection, by: try context.caller())
            switch outcome {
            case .finished(let job, _):
                return portal.redirect(
                    "/imports/\(job.id.text)",
                    Flash(
                        .notice,
                        "Import finished: \(job.created) created, \(job.skipped) skipped, \(job.failed) failed."))
            case .queued(let job):
                return portal.redirect(
                    "/imports/\(job.id.text)",
                    Flash(.notice, "Import started in the background. The results will also be emailed to you."))
            }
        }
        PortalImportHistory(portal: portal).addRoutes(to: group)
    }

    static func row(_ user: RemoteUserStatus) -> [String: Any] {
        [
            "remoteId": user.remoteId, "userName": user.userName ?? user.remoteId,
            "displayName": user.displayName ?? "",
            "email": user.email ?? "", "isNew": user.status == .new, "isExisting": user.status == .exists,
            "isInvalid": user.status == .invalid, "selectable": user.status != .invalid,
            "matchedUserId": user.matchedUserId?.text ?? "", "reason": user.reason ?? "",
        ]
    }

    /// The directory user a remote user will become, as the preview shows it.
    static func previewUser(_ u: DirectoryUser) -> [String: Any] {
        var others: [String] = []
        if let v = u.middlename { others.append("middle name: \(v)") }
        if let v = u.costCenter { others.append("cost center: \(v)") }
        if let v = u.employeeType { others.append("employee type: \(v)") }
        if let v = u.employeeIdentifier { others.append("employee id: \(v)") }
        if let v = u.organization { others.append("organization: \(v)") }
        for phone in u.phoneNumbers { others.append("\(phone.type) phone: \(phone.number)") }
        for address in u.addresses { others.append("\(address.type) address: \(PortalFormat.address(address))") }
        for name in u.custom.keys.sorted() { others.append("\(name): \(u.custom[name]!.text)") }
        return [
            "email": u.email, "username": u.username,
            "displayname": u.displayname ?? [u.firstname, u.lastname].compactMap { $0 }.joined(separator: " "),
            "jobTitle": u.jobTitle ?? "", "department": u.department ?? "", "others": others.joined(separator: "; "),
        ]
    }
}
