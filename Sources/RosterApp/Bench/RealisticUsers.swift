import Foundation

/// Users as real providers send them, for `roster bench`: every core and enterprise attribute,
/// names in many scripts (right-to-left ones too), long values, ids, userNames and emails in no
/// particular order, and about one user in ten that cannot be imported as it is. Made from a fixed
/// seed, user by user: user `i` is the same in every process (the page server and the benchmark
/// that seeds a directory with some of the same people).
public struct RealisticUsers: Sendable {
    public let count: Int
    let seed: UInt64

    public init(count: Int, seed: UInt64 = 20_261_208) {
        self.count = count
        self.seed = seed
    }

    /// What is wrong with a user, if anything (about 10% in all, 2% each).
    enum Problem: CaseIterable {
        /// No emails, and a userName that is not an address.
        case noEmail
        /// The work email of another listed user.
        case sharedEmail
        /// Another listed user's email and userName, differing only in case.
        case caseVariant
        /// A title longer than Roster keeps.
        case overLong
        /// An id and a userName (not an address), nothing else.
        case userNameOnly
    }

    func problem(_ i: Int) -> Problem? {
        var random = Random(seed: seed, index: i, stream: 1)
        let draw = random.below(100)
        return draw < 10 ? Problem.allCases[draw / 2] : nil
    }

    /// The listed user whose identity a problem user copies: a fixed other user, anywhere in the listing.
    func other(_ i: Int) -> Int {
        // bounded: count is at most a few million; the product stays far below Int.max
        (i * 7_919 + 104_729) % count
    }

    struct Person {
        let given, family, givenASCII, familyASCII: String
        let domain: String
        let number: String
    }

    func person(_ i: Int) -> Person {
        var random = Random(seed: seed, index: i, stream: 2)
        let given = Self.givenNames[random.below(Self.givenNames.count)]
        let family = Self.familyNames[random.below(Self.familyNames.count)]
        // A bijection of the index (an odd multiplier modulo 2^32): unique, in no order.
        let number = String(UInt32(truncatingIfNeeded: UInt64(i) &* 2_654_435_761), radix: 36)
        return Person(
            given: given.0, family: family.0, givenASCII: given.1, familyASCII: family.1,
            domain: Self.domains[random.below(Self.domains.count)], number: number)
    }

    /// User `i`'s work email as listed (its problem may borrow another user's).
    public func email(_ i: Int) -> String? {
        switch problem(i) {
        case .noEmail, .userNameOnly: return nil
        case .sharedEmail: return ownEmail(other(i))
        case .caseVariant: return ownEmail(other(i)).uppercased()
        case .overLong, nil: return ownEmail(i)
        }
    }

    func ownEmail(_ i: Int) -> String {
        let p = person(i)
        return "\(p.givenASCII).\(p.familyASCII).\(p.number)@\(p.domain)"
    }

    /// User `i` as one JSON object.
    public func json(_ i: Int) -> String {
        var random = Random(seed: seed, index: i, stream: 3)
        let id = random.uuid()
        let p = person(i)
        let problem = problem(i)
        if problem == .userNameOnly || problem == .noEmail {
            let userName = "\(p.givenASCII)\(p.number)"
            if problem == .userNameOnly {
                return #"{"schemas":["\#(Self.core)"],"id":"\#(id)","userName":"\#(userName)"}"#
            }
            return fullUser(i, id: id, userName: userName, emails: [], person: p, random: &random)
        }
        let email = email(i) ?? ownEmail(i)
        let userName = problem == .caseVariant ? email : (random.below(3) == 0 ? "\(p.givenASCII)\(p.number)" : email)
        var emails = [(email, "work", true)]
        if random.below(2) == 0 { emails.append(("\(p.givenASCII)\(p.number)@home.example", "home", false)) }
        return fullUser(i, id: id, userName: userName, emails: emails, person: p, random: &random)
    }

    private func fullUser(
        _ i: Int, id: String, userName: String, emails: [(String, String, Bool)], person p: Person,
        random: inout Random
    ) -> String {
        let long = random.below(20) == 0
        let title =
            problem(i) == .overLong
            ? String(repeating: "Principal ", count: 160)
            : long ? Self.longTitle : Self.titles[random.below(Self.titles.count)]
        let street =
            long ? String(repeating: "Straße der Einheit ", count: 40) : "\(random.below(999) + 1) \(p.family) Street"
        let department = Self.departments[random.below(Self.departments.count)]
        let emailList = emails.map { email, type, primary in
            #"{"value":"\#(escape(email))","type":"\#(type)","primary":\#(primary)}"#
        }.joined(separator: ",")
        let manager = random.uuid()
        // bounded: a few digits
        let phone = "+\(random.below(90) + 10) \(random.below(900) + 100) \(random.below(9_000_000) + 1_000_000)"
        return """
            {"schemas":["\(Self.core)","\(Self.enterprise)"],"id":"\(id)","externalId":"\(random.uuid())",\
            "userName":"\(escape(userName))","name":{"formatted":"\(escape(p.given)) \(escape(p.family))",\
            "familyName":"\(escape(p.family))","givenName":"\(escape(p.given))",\
            "middleName":"\(escape(p.given.prefix(1)))",\
            "honorificPrefix":"Dr.","honorificSuffix":"PhD"},"displayName":"\(escape(p.given)) \(escape(p.family))",\
            "nickName":"\(escape(p.given))","profileUrl":"https://profiles.example/\(p.number)",\
            "title":"\(escape(title))","userType":"Employee","preferredLanguage":"\(Self.languages[random.below(4)])",\
            "locale":"\(Self.languages[random.below(4)])","timezone":"Europe/Berlin","active":\(random.below(10) != 0),\
            "emails":[\(emailList)],"phoneNumbers":[{"value":"\(phone)","type":"work"},\
            {"value":"\(phone)9","type":"mobile"}],"addresses":[{"type":"work","streetAddress":"\(escape(street))",\
            "locality":"\(Self.cities[random.below(Self.cities.count)])","region":"Region",\
            "postalCode":"\(random.below(90_000) + 10_000)","country":"DE","primary":true}],\
            "photos":[{"value":"https://photos.example/\(p.number).jpg","type":"photo"}],\
            "groups":[{"value":"\(manager)","display":"\(escape(department))"}],\
            "\(Self.enterprise)":{"employeeNumber":"\(p.number)","costCenter":"CC-\(random.below(500))",\
            "organization":"Example AG","division":"Division \(random.below(12))","department":"\(escape(department))",\
            "manager":{"value":"\(manager)","displayName":"\(escape(p.family))"}},\
            "meta":{"resourceType":"User","created":"2025-03-01T08:00:00Z","lastModified":"2026-11-30T17:45:12Z",\
            "location":"/Users/\(id)","version":"W/\\"\(p.number)\\""}}
            """
    }

    private func escape<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}": out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static let core = "urn:ietf:params:scim:schemas:core:2.0:User"
    static let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    /// Names as shown, with the ASCII an email address is made of.
    static let givenNames = [
        ("José", "jose"), ("Zoë", "zoe"), ("Øyvind", "oyvind"), ("Łukasz", "lukasz"),
        ("Siobhán", "siobhan"), ("محمد", "mohammed"), ("فاطمة", "fatima"), ("יעל", "yael"),
        ("דוד", "david"), ("李娜", "li.na"), ("さくら", "sakura"), ("太郎", "taro"),
        ("Σοφία", "sofia"), ("Дмитрий", "dmitry"), ("Ольга", "olga"),
        ("अर्जुन", "arjun"), ("Nguyễn Văn", "nguyen.van"), ("Jean-Luc", "jean-luc"),
        ("Anna", "anna"), ("Mary Ann", "maryann"), ("Ğülşen", "gulsen"), ("Ingrid", "ingrid"),
        ("Kwame", "kwame"), ("Aiyana", "aiyana"),
    ]
    static let familyNames = [
        ("García Márquez", "garcia"), ("Müller", "mueller"), ("O'Brien", "obrien"),
        ("Nakamura", "nakamura"), ("王", "wang"), ("עברי", "ivri"), ("الفارسي", "alfarsi"),
        ("Ñúñez", "nunez"), ("Kowalczyk", "kowalczyk"), ("van der Berg", "vanderberg"),
        ("Παπαδόπουλος", "papadopoulos"), ("Иванова", "ivanova"), ("Smith", "smith"),
        ("Nørgaard", "norgaard"), ("Şahin", "sahin"), ("Dũng", "dung"), ("Okafor", "okafor"),
        ("Lee", "lee"),
    ]
    static let domains = ["corp.example", "example.co.jp", "eu.example.org", "example.com"]
    static let titles = [
        "Software Engineer", "Directrice financière", "Leitender Angestellter", "مدير المبيعات",
        "営業部長", "Account Executive", "Ingeniera de datos", "Team Lead — Platform",
    ]
    static let longTitle = String(repeating: "Senior Vice President, ", count: 40)
    static let departments = [
        "R&D", "Sales", "Finance & Legal", "Customer \"Success\"", "Operations", "人事部",
    ]
    static let cities = ["Berlin", "München", "Zürich", "Tōkyō", "São Paulo", "Reykjavík", "Montréal"]
    static let languages = ["en-US", "de-DE", "ja-JP", "ar-EG"]
}

/// SplitMix64 for one user and one purpose: the same numbers in every process.
struct Random {
    private var state: UInt64

    init(seed: UInt64, index: Int, stream: UInt64) {
        state = seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15) ^ (stream &* 0xBF58_476D_1CE4_E5B9)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func uuid() -> String {
        let high = next(), low = next()
        let hex = String(high, radix: 16).leftPadded(16) + String(low, radix: 16).leftPadded(16)
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-4\(String(chars[13..<16]))-a\(String(chars[17..<20]))-"
            + String(chars[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
