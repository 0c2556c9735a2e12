/// What binding a group to an application would do, said before it is done (`group bind --dry-run`).
public struct BindingPreview: Sendable, Hashable {
    public var application: String
    public var group: String
    /// The application's group of the same name, which Roster would adopt; nil: Roster creates the group.
    public var existingGroupId: String?
    public var existingMembers: Int
    /// Directory members Roster would add to the application's group (creating or linking their accounts).
    public var membersToAdd: Int
    /// Members of the application's group that Roster did not put there (their remote ids): kept until
    /// an administrator confirms, or removed at once by an authoritative binding.
    public var notAddedByRoster: [String]
    public var authoritative: Bool

    /// In a sentence, for the command line and the portal.
    public var summary: String {
        guard let existingGroupId else {
            return "Roster would create the group \(group) in \(application) with \(membersToAdd) members."
        }
        var text =
            "Roster would adopt \(application)'s existing group \(group) (\(existingGroupId), \(existingMembers) "
            + "members) and add \(membersToAdd) directory members."
        if !notAddedByRoster.isEmpty {
            text +=
                authoritative
                ? " It would remove at once the \(notAddedByRoster.count) members Roster did not add."
                : " It would keep the \(notAddedByRoster.count) members Roster did not add until an administrator "
                    + "confirms their removal."
        }
        return text
    }
}
