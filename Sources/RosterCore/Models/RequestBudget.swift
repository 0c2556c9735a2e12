/// What one request may ask of Roster, by any door (the REST API, the SCIM service, the portal): past
/// any of these it is refused as bad input, with a sentence, before any work is done. A caller with
/// the least of keys cannot keep a core busy: the cost of every request is bounded by its size, and
/// its time by ``deadline``.
public enum RequestBudget {
    /// Attribute names in `attributes`, `excludedAttributes` (RFC 7644 §3.4.2.5): a client names the
    /// few it wants; the whole User schema has fewer than a hundred.
    public static let maxAttributeNames = 100
    /// One attribute name or path, `sortBy` included: a schema URN and a sub-attribute fit easily.
    public static let maxPathLength = 256
    /// Conditions on custom attributes (`where=`) in one users query.
    public static let maxConditions = 20
    /// A search text, a cursor, a `where` condition.
    public static let maxTextLength = 1024
    /// The longest a request may work before it is answered 503 and its work cancelled.
    public static let deadline: Duration = .seconds(30)

    /// Refuses more than `limit` `what`s.
    public static func check(count: Int, of what: String, limit: Int) throws(RosterError) {
        guard count <= limit else {
            throw RosterError.invalid("\(count) \(what) is more than the \(limit) Roster takes")
        }
    }

    /// Refuses a `what` longer than `limit` characters.
    public static func check(_ text: String, as what: String, limit: Int = maxTextLength) throws(RosterError) {
        guard text.utf8.count <= limit else {
            throw RosterError.invalid("\(what) is \(text.utf8.count) bytes long; Roster takes at most \(limit)")
        }
    }
}
