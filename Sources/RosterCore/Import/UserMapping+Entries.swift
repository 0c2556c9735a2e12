import SCIM

extension UserMapping {
    /// A user's emails, phone numbers and addresses as Roster sends them (to an application, to a SCIM
    /// client): each as the profile keeps it, exactly as it was sent, while it still says what the
    /// directory holds. Once the directory says otherwise (an administrator changed the email or a work
    /// number), the directory's entries stand in for those SPEC's table reads, and the profile's others
    /// (a mobile number, a second email, an "other" address) stay: the directory is the truth for what
    /// it keeps, the profile for the rest.
    static func sentEntries(_ user: DirectoryUser) -> (emails: JSONValue, phoneNumbers: JSONValue, addresses: JSONValue)
    {
        let profile = user.profile
        let emails = profile["emails"]?.elements ?? []
        let sentEmail = chooseEmail(emails.flatMap(oneEntry), userName: user.username)
        let directoryEmail = JSONValue.object(
            ["value": .string(user.email), "type": .string("work"), "primary": .bool(true)])
        // The email SPEC's table chose from the profile is the one the directory's replaces.
        let replaced = [user.email.lowercased(), sentEmail?.lowercased()]
        let others = emails.filter { !replaced.contains(oneEntry($0).first?.value?.lowercased()) }
        let sentEmails: [JSONValue] =
            sentEmail == user.email && !emails.isEmpty ? emails : [directoryEmail] + others.map(notPrimary)

        let phones = profile["phoneNumbers"]?.elements ?? []
        let sentPhones: [JSONValue] =
            directoryPhones(phones.flatMap(oneEntry)) == user.phoneNumbers
            ? phones
            : user.phoneNumbers.map { .object(["value": .string($0.number), "type": .string($0.type)]) }
                + phones.filter { oneEntry($0).allSatisfy { workOrHome($0.type) == nil } }

        let addresses = profile["addresses"]?.elements ?? []
        let sentAddresses: [JSONValue] =
            directoryAddresses(SCIMUser.Address.entries(.array(addresses))) == user.addresses
            ? addresses
            : user.addresses.map(json)
                + addresses.filter { SCIMUser.Address.entries(.array([$0])).allSatisfy { workOrHome($0.type) == nil } }
        return (.array(sentEmails), .array(sentPhones), .array(sentAddresses))
    }

    private static func oneEntry(_ element: JSONValue) -> [SCIMUser.MultiValue] {
        SCIMUser.MultiValue.entries(.array([element]))
    }

    private static func notPrimary(_ entry: JSONValue) -> JSONValue {
        guard case .object(var members) = entry else { return entry }
        members = members.filter { $0.key.lowercased() != "primary" }
        return .object(members)
    }

    /// poBox is not an RFC 7643 address attribute: strict providers refuse it, so it stays home.
    private static func json(_ address: DirectoryUser.Address) -> JSONValue {
        var members: [String: JSONValue] = ["type": .string(address.type)]
        let parts = [
            ("streetAddress", address.streetAddress), ("locality", address.locality), ("region", address.region),
            ("postalCode", address.postalCode), ("country", address.country),
        ]
        for (key, value) in parts { if let value { members[key] = .string(value) } }
        return .object(members)
    }
}
