import Synchronization

/// An optional parameter of a listing (RFC 7644 §3.4.2): one a provider may refuse.
///
/// The cases are in the order Roster leaves them out when a provider refuses a listing: what the
/// listing needs least first (a sort Roster can do itself) and the paging last.
public enum ListingParameter: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    case attributes, sortBy, filter, count, startIndex

    /// The query parameters it stands for: a sort's order goes with it.
    var names: [String] {
        switch self {
        case .sortBy: ["sortBy", "sortOrder"]
        case .attributes: ["attributes", "excludedAttributes"]
        default: [rawValue]
        }
    }
}

/// What Roster leaves out of an application's listings, and why: learned when the provider answered
/// 400 or 500 to a form with the parameter and 2xx to the same form without it (or ignored it),
/// so that later listings ask only what works, and do the rest themselves: filter and sort the
/// users that arrive, page by what arrives.
public struct ListingFallbacks: Sendable, Hashable, Codable {
    /// Each parameter left out, with why (`HTTP 500`, `ignored: ...`).
    public var dropped: [ListingParameter: String]
    /// The provider's listings are complete only by cursor (RFC 9865): learned when its pages by index
    /// fell short and its cursors went on; later listings page by cursor from the first request.
    public var pagesByCursor: Bool

    public init(dropped: [ListingParameter: String] = [:], pagesByCursor: Bool = false) {
        self.dropped = dropped
        self.pagesByCursor = pagesByCursor
    }

    enum CodingKeys: String, CodingKey { case dropped, pagesByCursor }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dropped = try c.decode([ListingParameter: String].self, forKey: .dropped)
        pagesByCursor = try c.decodeIfPresent(Bool.self, forKey: .pagesByCursor) ?? false
    }

    public var isEmpty: Bool { dropped.isEmpty && !pagesByCursor }

    public func contains(_ parameter: ListingParameter) -> Bool { dropped[parameter] != nil }

    /// The parameters in a stable order, with why: `count (HTTP 500), filter (HTTP 500)`.
    public var summary: String {
        let left = ListingParameter.allCases.compactMap { p in dropped[p].map { "\(p.rawValue) (\($0))" } }
        return (left + (pagesByCursor ? ["pages by cursor (RFC 9865)"] : [])).joined(separator: ", ")
    }

    /// `parameters` without the ones left out.
    func applied(to parameters: [(String, String?)]) -> [(String, String?)] {
        let names = Set(dropped.keys.flatMap(\.names))
        return parameters.filter { !names.contains($0.0) }
    }
}

/// The listing fallbacks of one integration, shared by the listings of its client: what one
/// learns, the next one uses; `remember` keeps it for later clients (Roster stores it with the
/// integration).
public final class ListingMemory: Sendable {
    private let state: Mutex<ListingFallbacks>
    let remember: @Sendable (ListingFallbacks) async -> Void

    public init(
        _ known: ListingFallbacks = .init(), remember: @escaping @Sendable (ListingFallbacks) async -> Void = { _ in }
    ) {
        state = Mutex(known)
        self.remember = remember
    }

    public var fallbacks: ListingFallbacks { state.withLock { $0 } }

    /// The provider's listings go by cursor from now on.
    func learnCursor() async {
        let changed: ListingFallbacks? = state.withLock { known in
            guard !known.pagesByCursor else { return nil }
            known.pagesByCursor = true
            return known
        }
        if let changed { await remember(changed) }
    }

    /// Adds what a listing learned, and remembers it when it is new.
    func learn(_ dropped: [ListingParameter: String]) async {
        let changed: ListingFallbacks? = state.withLock { known in
            let before = known
            known.dropped.merge(dropped) { old, _ in old }
            return known == before ? nil : known
        }
        if let changed { await remember(changed) }
    }
}
