import Foundation
import RosterCore
import SCIM

// The JSON shapes of SPEC.md's command line contract. The REST API uses the same ones, so
// a script can move between the two doors without learning a second vocabulary.

public struct UserJSON: Codable, Sendable {
    struct Address: Codable, Sendable {
        var type: String
        var streetAddress, locality, region, postalCode, country, poBox: String?
    }
    struct Phone: Codable, Sendable {
        var type: String
        var number: String
    }
    struct Source: Codable, Sendable {
        var type: String
        var applicationId, importJobId: String?
    }
    struct Email: Codable, Sendable {
        var value: String
        var type: String?
        var primary: Bool?
    }
    /// The manager as the user's SCIM client or application named it, and the directory user that is.
    struct Manager: Codable, Sendable {
        var value, displayName: String?
        var userId, email: String?
    }

    var id, email, username: String
    var firstname, lastname, middlename, displayname: String?
    var addresses: [Address]
    var jobTitle, department: String?
    var phoneNumbers: [Phone]
    var costCenter, employeeType, employeeIdentifier, organization: String?
    var state, passwordStatus: String
    var source: Source
    var created, updated: Date
    /// The user's custom attribute values (numbers and booleans as JSON's); absent when it has none.
    var custom: [String: CustomValue]?
    /// Incremented by every write: a change that names it (`If-Match`) is refused once it moved.
    var version: Int
    /// Every email with its type (SPEC's `email` is the one the directory keeps as the user's).
    var emails: [Email]
    /// Every phone number with its type (SPEC's `phoneNumbers` are the work and home ones).
    var phones: [Phone]
    var manager: Manager?
    var preferredLanguage, locale, timezone, nickName, division: String?

    /// The user; with `manager`, the directory user its manager is.
    public init(_ u: DirectoryUser, manager: DirectoryUser?) {
        self.init(u)
        if let manager {
            self.manager = Manager(
                value: self.manager?.value, displayName: self.manager?.displayName ?? manager.label,
                userId: manager.id.text, email: manager.email)
        }
    }

    public init(_ u: DirectoryUser) {
        id = u.id.text
        let profile = u.profile
        let sentEmails = profile.entries("emails").compactMap { e in
            e.value.map { Email(value: $0, type: e.type, primary: e.primary ? true : nil) }
        }
        emails = sentEmails.isEmpty ? [Email(value: u.email, type: "work", primary: true)] : sentEmails
        let sentPhones = profile.entries("phoneNumbers").compactMap { p in
            p.value.map { Phone(type: p.type ?? "other", number: $0) }
        }
        phones = sentPhones.isEmpty ? u.phoneNumbers.map { .init(type: $0.type, number: $0.number) } : sentPhones
        manager = profile.manager.map { Manager(value: $0.value, displayName: $0.displayName) }
        preferredLanguage = profile.text("preferredLanguage")
        locale = profile.text("locale")
        timezone = profile.text("timezone")
        nickName = profile.text("nickName")
        division = profile.text("division")
        version = u.version
        email = u.email
        username = u.username
        firstname = u.firstname
        lastname = u.lastname
        middlename = u.middlename
        displayname = u.displayname
        addresses = u.addresses.map {
            .init(
                type: $0.type, streetAddress: $0.streetAddress, locality: $0.locality, region: $0.region,
                postalCode: $0.postalCode, country: $0.country, poBox: $0.poBox)
        }
        jobTitle = u.jobTitle
        department = u.department
        phoneNumbers = u.phoneNumbers.map { .init(type: $0.type, number: $0.number) }
        costCenter = u.costCenter
        employeeType = u.employeeType
        employeeIdentifier = u.employeeIdentifier
        organization = u.organization
        state = u.state.rawValue
        passwordStatus = u.passwordStatus.rawValue
        source = .init(
            type: u.source.type.rawValue, applicationId: u.source.applicationId?.text,
            importJobId: u.source.importJobId?.text)
        created = u.created
        updated = u.updated
        custom = u.custom.isEmpty ? nil : u.custom
    }
}

/// The same facts for a page of the portal.
extension UserJSON {
    public var emailEntries: [[String: String]] {
        emails.map { ["type": $0.type ?? "other", "value": $0.value, "primary": $0.primary == true ? "primary" : ""] }
    }
    public var phoneEntries: [[String: String]] { phones.map { ["type": $0.type, "number": $0.number] } }
    /// The manager: a link when the directory has the user, else the name the application gave.
    public var managerEntry: [String: String]? {
        manager.map { m in
            ["userId": m.userId ?? "", "label": m.displayName ?? m.value ?? "", "email": m.email ?? ""]
        }
    }
}

public struct RemoteUserJSON: Codable, Sendable {
    var remoteId: String
    var userName, email, displayName: String?
    var status: String
    var matchedUserId, reason: String?

    public init(_ r: RemoteUserStatus) {
        remoteId = r.remoteId
        userName = r.userName
        email = r.email
        displayName = r.displayName
        status = r.status.rawValue
        matchedUserId = r.matchedUserId?.text
        reason = r.reason
    }
}

/// `GET /api/v1/users`: a page of users and, when there are more, the cursor of the next page.
public struct UsersPageJSON: Codable, Sendable {
    var users: [UserJSON]
    var nextCursor: String?

    public init(users: [UserJSON], nextCursor: String?) {
        self.users = users
        self.nextCursor = nextCursor
    }
}

/// `GET /api/v1/insights`: events newest first and, when there may be more, the next page's cursor.
public struct EventsPageJSON: Encodable, Sendable {
    var events: [EventJSON]
    var nextCursor: String?

    public init(events: [EventJSON], nextCursor: String?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}

/// A page of the import screen: `GET /api/v1/applications/{app}/remote-users`.
public struct RemoteUsersPageJSON: Codable, Sendable {
    var listedAt: Date
    var matching: Int
    var counts: [String: Int]
    var users: [RemoteUserJSON]

    public init(_ page: ListingPage) {
        listedAt = page.listedAt
        matching = page.matching
        counts = [
            "new": page.counts[.new] ?? 0, "existing": page.counts[.exists] ?? 0,
            "invalid": page.counts[.invalid] ?? 0,
        ]
        users = page.users.map(RemoteUserJSON.init)
    }
}

public struct ImportJSON: Codable, Sendable {
    public struct Job: Codable, Sendable {
        var id, status: String
        var total, created, skipped, failed: Int
        var applicationId: String
        var initiatedBy: String?
        var reason: String?
        var createdAt: Date
        var finishedAt: Date?
        /// The schedule slot the import ran for; absent for an import started by hand.
        var scheduled: Scheduled?
    }
    struct Scheduled: Codable, Sendable {
        var slot: Date
        var filter: String?
        /// Nothing was created: `created` counts the users that would have been.
        var dryRun: Bool
    }
    struct Result: Codable, Sendable {
        var remoteId: String
        var userName: String?
        var outcome: String
        var userId, reason: String?
    }
    public var job: Job
    var results: [Result]

    public init(_ j: ImportJob, _ results: [ImportResult]) {
        job = Job(
            id: j.id.text, status: j.status.rawValue, total: j.total, created: j.created, skipped: j.skipped,
            failed: j.failed, applicationId: j.applicationId.text, initiatedBy: j.initiator.email, reason: j.reason,
            createdAt: j.createdAt, finishedAt: j.finishedAt,
            scheduled: j.trigger.map { .init(slot: $0.slot, filter: $0.filter, dryRun: $0.dryRun) })
        self.results = results.map {
            .init(
                remoteId: $0.remoteId, userName: $0.userName, outcome: $0.outcome.rawValue,
                userId: $0.userId?.text, reason: $0.reason)
        }
    }
}

/// An application's attribute mapping as exported: its rules, and the version with who saved it.
public struct MappingJSON: Encodable, Sendable {
    struct Sample: Encodable, Sendable {
        struct In: Encodable, Sendable {
            var attribute: String
            var value: String?
        }
        struct Out: Encodable, Sendable {
            var path: String
            var value: String?
            var onlyOnCreate: Bool
        }
        var remoteId: String
        var userName: String?
        var inbound: [In]
        var outbound: [Out]
    }

    var rules: [AttributeRule]
    /// 0 while the application has none.
    var version: Int
    var changedBy: String?
    var changedAt: Date?
    /// When saved: the sample of the application's users through the mapping, both ways.
    var preview: [Sample]?

    public init(_ version: MappingVersion?, preview: [MappingSample]? = nil) {
        rules = version?.mapping.rules ?? []
        self.version = version?.version ?? 0
        changedBy = version?.changedBy
        changedAt = version?.changedAt
        self.preview = preview?.map { sample in
            Sample(
                remoteId: sample.remoteId, userName: sample.userName,
                inbound: sample.inbound.map { Sample.In(attribute: $0.attribute, value: $0.value) },
                outbound: sample.outbound.map {
                    Sample.Out(path: $0.path, value: $0.value, onlyOnCreate: $0.onlyOnCreate)
                })
        }
    }
}

/// An application's import schedule, with its cadence in words.
public struct ScheduleJSON: Codable, Sendable {
    var application: String
    /// `every 21600` or `cron 0 2 * * *`.
    var cadence: String
    /// "every 6 hours", "every day at 02:00 UTC".
    var words: String
    var filter: String?
    var dryRun: Bool
    /// The administrator it runs for, who gets its results.
    var owner: String
    var lastSlot: Date?

    public init(_ s: ImportSchedule, application: String) {
        self.application = application
        cadence = s.cadence.text
        words = s.cadence.words
        filter = s.filter
        dryRun = s.dryRun
        owner = s.ownerEmail
        lastSlot = s.lastSlot
    }
}

public struct EventJSON: Codable, Sendable {
    struct Initiator: Codable, Sendable {
        var type: String
        var id, email: String?
        /// The API key the change came with, if any.
        var apiKeyId, apiKeyName: String?
    }
    struct Resource: Codable, Sendable {
        var type: String
        var id, name: String?
    }
    struct App: Codable, Sendable { var id, name: String }
    var id: String
    var time: Date
    var type: String
    var initiatedBy: Initiator
    var resource: Resource?
    var application: App?
    var importJobId, clientIp, requestId: String?
    /// `scim` for a change a SCIM client made; absent for the portal, the API and the command line.
    var channel: String?
    var success: Bool

    public init(_ e: InsightsEvent) {
        id = e.id.text
        channel = e.initiator.channel
        time = e.time
        type = e.type.rawValue
        requestId = e.initiator.requestId
        initiatedBy = .init(
            type: e.initiator.type.rawValue, id: e.initiator.id?.text, email: e.initiator.email,
            apiKeyId: e.initiator.apiKeyId?.text, apiKeyName: e.initiator.apiKeyName)
        resource = e.resource.map { .init(type: $0.type, id: $0.id, name: $0.name) }
        application = e.application.map { .init(id: $0.id.text, name: $0.name) }
        importJobId = e.importJobId?.text
        clientIp = e.initiator.clientIp
        success = e.success
    }
}

public struct ServiceProviderJSON: Codable, Sendable {
    var patch, filter, sort, etag, cursorPagination, indexPagination: Bool
    var filterMaxResults, maxPageSize: Int?
    var authenticationSchemes: [String]

    public init(_ c: ServiceProviderConfig) {
        patch = c.patchSupported
        filter = c.filterSupported
        sort = c.sortSupported
        etag = c.etagSupported
        cursorPagination = c.cursorPagination
        indexPagination = c.indexPagination
        filterMaxResults = c.filterMaxResults
        maxPageSize = c.maxPageSize
        authenticationSchemes = c.authenticationSchemes
    }
}

public struct ApplicationJSON: Codable, Sendable {
    struct IntegrationJSON: Codable, Sendable {
        var scimUrl, authType, status: String
        var allowPrivateNetwork: Bool
        /// Requests per second at most; absent when the pace is learned from 429s.
        var rateLimit: Double?
        var lastError: String?
        var serviceProvider: ServiceProviderJSON?
        /// Listing parameters Roster leaves out for this provider, each with why; absent when none.
        var listingFallbacks: [String: String]?
    }
    var id, name: String
    var description: String?
    var created: Date
    /// The connector preset it was made from.
    var preset: String?
    var integration: IntegrationJSON?

    public init(_ a: Application, _ i: Integration?) {
        id = a.id.text
        name = a.name
        description = a.description
        created = a.created
        preset = a.preset
        // Credentials never leave Roster: only their kind is shown.
        integration = i.map {
            .init(
                scimUrl: $0.baseURL, authType: $0.credentials.kind, status: $0.status.rawValue,
                allowPrivateNetwork: $0.allowPrivateNetwork, rateLimit: $0.rateLimit, lastError: $0.lastError,
                serviceProvider: $0.serviceProvider.map(ServiceProviderJSON.init),
                listingFallbacks: $0.listingFallbacks.json)
        }
    }
}

public struct ConnectionTestJSON: Codable, Sendable {
    var ok: Bool
    var totalUsers: Int?
    var serviceProvider: ServiceProviderJSON
    /// Listing parameters the provider refuses or ignores, each with why; `{}` when none.
    var listingFallbacks: [String: String]

    public init(_ report: ApplicationService.ConnectionReport) {
        ok = true
        totalUsers = report.totalUsers
        serviceProvider = .init(report.serviceProvider)
        listingFallbacks = report.listing.json ?? [:]
    }
}

extension ListingFallbacks {
    /// `{"count": "HTTP 500"}`, and `"cursor"` when the listings go by cursor; nil when nothing is learned.
    var json: [String: String]? {
        guard !isEmpty else { return nil }
        var json = Dictionary(uniqueKeysWithValues: dropped.map { ($0.key.rawValue, $0.value) })
        if pagesByCursor { json["cursor"] = "used: the listings are complete only by cursor (RFC 9865)" }
        return json
    }
}

public enum RosterJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        // The same text as .iso8601, written directly: formatting dates was a tenth of a users page.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.iso8601Text)
        }
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }
}

public struct ProvisioningLogJSON: Codable, Sendable {
    struct App: Codable, Sendable { var id, name: String }
    struct Target: Codable, Sendable {
        var type, id: String
        var name: String?
    }
    var id: String
    var time: Date
    var application: App
    var target: Target
    var operation, outcome: String
    var remoteId, detail: String?

    public init(_ e: ProvisioningLogEntry) {
        id = e.id.text
        time = e.time
        application = .init(id: e.application.id.text, name: e.application.name)
        target = .init(type: e.targetType.rawValue, id: e.targetId.text, name: e.targetName)
        operation = e.operation.rawValue
        outcome = e.outcome.rawValue
        remoteId = e.remoteId
        detail = e.detail
    }
}

/// A background job as `roster jobs`, the API and the portal show it (docs/cli.md).
public struct JobJSON: Encodable, Sendable {
    public let id, kind, payload, status: String
    public let attempts, takeovers: Int
    public let leaseOwner: String?
    public let leaseUntil, runAfter, created: Date?
    public let lastError: String?

    public init(_ job: QueuedJobStatus) {
        id = job.job.id.text
        kind = job.job.kind
        payload = job.job.encodedPayload
        status = job.status
        attempts = job.job.attempts
        takeovers = job.job.takeovers
        leaseOwner = job.leaseOwner
        leaseUntil = job.leaseUntil
        runAfter = job.runAfter
        created = job.created
        lastError = job.lastError
    }
}
