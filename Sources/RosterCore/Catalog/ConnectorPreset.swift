import Foundation
import SCIM

/// What is known of a well-known SCIM application from its vendor's public documentation: one
/// JSON file per vendor (Catalog/Presets), with where each fact was read and when. Nothing is
/// guessed: what the documentation does not say is nil.
public struct ConnectorPreset: Sendable, Codable, Hashable {
    /// The file's name, as `--preset` takes it: `slack`.
    public var id: String
    public var name: String
    /// The day the sources were read (YYYY-MM-DD).
    public var read: String
    public var sources: [String]
    /// The vendor's SCIM page.
    public var scimDocs: String
    /// The SCIM base URL, with the tenant parts to fill in as `{name}`.
    public var baseURL: String?
    /// bearer, basic or oauth2.
    public var authentication: String?
    /// The largest page the vendor serves.
    public var pageSizeCap: Int?
    /// The page the vendor serves without `count`.
    public var defaultPageSize: Int?
    public var rateLimit: RateLimit?
    public var supports: Supports
    /// What the vendor does to a deprovisioned user: deactivate or delete.
    public var deprovisioning: String?
    /// What else to know, in words.
    public var quirks: [String]

    public struct RateLimit: Sendable, Codable, Hashable {
        /// The pace Roster keeps: the lowest documented limit of the calls it makes.
        public var requestsPerMinute: Double
        /// The documented limits it comes from.
        public var basis: String
    }

    /// What the vendor documents as working (true), not working (false) or does not say (nil).
    public struct Supports: Sendable, Codable, Hashable {
        public var patch, filter, sort, etag, cursor: Bool?
    }

    /// The placeholders of the base URL: `["enterprise"]`.
    public var placeholders: [String] {
        guard let baseURL else { return [] }
        return baseURL.split(separator: "{").dropFirst().compactMap { $0.split(separator: "}").first.map(String.init) }
    }

    /// The SCIM URL to use: the one given, or the preset's when it has nothing to fill in.
    public func scimURL(given: String?) throws -> String {
        if let given = given?.trimmingCharacters(in: .whitespaces), !given.isEmpty { return given }
        guard let baseURL else {
            throw RosterError.invalid(
                "\(name)'s documentation does not give its SCIM base URL: give it with --scim-url (see \(scimDocs))")
        }
        guard placeholders.isEmpty else {
            throw RosterError.invalid(
                "\(name)'s SCIM base URL is \(baseURL): give it with --scim-url, "
                    + placeholders.map { "{\($0)}" }.joined(separator: " and ") + " filled in")
        }
        return baseURL
    }

    /// What the preset makes Roster do, and what else to know, a line each.
    public var effects: [String] {
        var lines: [String] = []
        if let cap = pageSizeCap { lines.append("pages of at most \(cap) users") }
        if let rate = rateLimit {
            // bounded: a preset's rate, written in the catalog
            lines.append("paced to \(Int(rate.requestsPerMinute)) requests per minute (\(rate.basis))")
        }
        let skipped = [
            ("PATCH", supports.patch), ("filter", supports.filter), ("sort", supports.sort), ("ETags", supports.etag),
            ("cursors", supports.cursor),
        ].filter { $0.1 == false }.map(\.0)
        if !skipped.isEmpty { lines.append("not used (documented as not working): " + skipped.joined(separator: ", ")) }
        if supports.cursor == true { lines.append("lists users by cursor (RFC 9865) from the first request") }
        if let style = deprovisioning { lines.append("deprovisioning: \(style)") }
        return lines + quirks.map { "note: \($0)" }
    }

    /// Requests per second Roster keeps to, from the documented rate limit.
    public var requestsPerSecond: Double? { rateLimit.map { $0.requestsPerMinute / 60 } }

    /// What the provider says it supports, less what the vendor documents as not working, and with
    /// what the vendor documents as needed turned on (cursor paging), with pages no larger than the
    /// vendor serves.
    public func applied(to provider: ServiceProviderConfig) -> ServiceProviderConfig {
        var provider = provider
        if supports.cursor == true { provider.cursorPagination = true }
        if supports.patch == false { provider.patchSupported = false }
        if supports.filter == false { provider.filterSupported = false }
        if supports.sort == false { provider.sortSupported = false }
        if supports.etag == false { provider.etagSupported = false }
        if supports.cursor == false { provider.cursorPagination = false }
        if let cap = pageSizeCap { provider.maxPageSize = min(provider.maxPageSize ?? cap, cap) }
        return provider
    }
}
