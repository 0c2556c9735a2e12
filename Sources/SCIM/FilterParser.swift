/// Recursive-descent parser for RFC 7644 filters: `or` binds loosest, then `and`, then `not`.
///
/// Filters come from administrators and API clients, so the parser bounds what it takes: a
/// filter of at most ``maxLength`` bytes, nested at most ``maxDepth`` deep (parentheses, value
/// paths, `not`), with at most ``maxOperators`` `and`/`or`. Past that it answers an error, never
/// a stack overflow.
struct FilterParser {
    public static let maxLength = 8192
    public static let maxDepth = 64
    public static let maxOperators = 256

    enum Token: Equatable {
        case word(String)
        case string(String)
        case open, close, openBracket, closeBracket
    }

    private var tokens: [(Token, Int)] = []
    private var position = 0
    private var depth = 0
    private var operators = 0
    private let text: String

    init(text: String) {
        self.text = text
    }

    mutating func parseFilter() throws -> SCIMFilter {
        guard text.utf8.count <= Self.maxLength else {
            throw SCIMFilterError(
                message:
                    "the filter is \(text.utf8.count) bytes long; Roster takes filters of at most \(Self.maxLength)")
        }
        tokens = try Self.tokenize(text)
        guard !tokens.isEmpty else { throw SCIMFilterError(message: "the filter is empty") }
        return try parseOr()
    }

    func expectEnd() throws {
        if position < tokens.count { throw error("unexpected \(describe(tokens[position].0))") }
    }

    private mutating func parseOr() throws -> SCIMFilter {
        var left = try parseAnd()
        while keyword("or") {
            try countOperator()
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws -> SCIMFilter {
        var left = try parseUnary()
        while keyword("and") {
            try countOperator()
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func countOperator() throws {
        operators += 1
        guard operators <= Self.maxOperators else {
            throw error("the filter combines more than \(Self.maxOperators) conditions with and/or")
        }
    }

    /// Enters one level of nesting for `body`.
    private mutating func nested<T>(_ body: (inout FilterParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("the filter is nested more than \(Self.maxDepth) levels deep") }
        return try body(&self)
    }

    private mutating func parseUnary() throws -> SCIMFilter {
        try nested { try $0.parseTerm() }
    }

    private mutating func parseTerm() throws -> SCIMFilter {
        if keyword("not") {
            try expect(.open, "\"(\" after \"not\"")
            let inner = try parseOr()
            try expect(.close, "\")\"")
            return .not(inner)
        }
        if peek == .open {
            position += 1
            let inner = try parseOr()
            try expect(.close, "\")\"")
            return inner
        }
        guard case .word(let attribute)? = peek else { throw error("expected an attribute name") }
        position += 1
        let path = SCIMFilter.AttributePath(attribute)
        if peek == .openBracket {
            position += 1
            let inner = try parseOr()
            try expect(.closeBracket, "\"]\"")
            return .valuePath(path, inner)
        }
        guard case .word(let opText)? = peek else { throw error("expected an operator after \"\(attribute)\"") }
        if opText.lowercased() == "pr" {
            position += 1
            return .present(path)
        }
        guard let op = SCIMFilter.Operator(rawValue: opText.lowercased()) else {
            throw error("\"\(opText)\" is not a SCIM operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)")
        }
        position += 1
        guard let valueToken = peek else { throw error("expected a value after \"\(opText)\"") }
        position += 1
        switch valueToken {
        case .string(let s): return .compare(path, op, .string(s))
        case .word(let w):
            switch w.lowercased() {
            case "true": return .compare(path, op, .bool(true))
            case "false": return .compare(path, op, .bool(false))
            case "null": return .compare(path, op, .null)
            default:
                guard let number = Double(w) else { throw error("\"\(w)\" is not a value: put text in double quotes") }
                return .compare(path, op, .number(number))
            }
        default: throw error("expected a value after \"\(opText)\"")
        }
    }

    private var peek: Token? { position < tokens.count ? tokens[position].0 : nil }

    private mutating func keyword(_ word: String) -> Bool {
        if case .word(let w)? = peek, w.lowercased() == word {
            position += 1
            return true
        }
        return false
    }

    private mutating func expect(_ token: Token, _ what: String) throws {
        guard peek == token else { throw error("expected \(what)") }
        position += 1
    }

    private func error(_ message: String) -> SCIMFilterError {
        let offset = position < tokens.count ? tokens[position].1 : text.count
        return SCIMFilterError(message: "invalid filter at character \(offset + 1): \(message)")
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let w): "\"\(w)\""
        case .string(let s): "\"\\\"\(s)\\\"\""
        case .open: "\"(\""
        case .close: "\")\""
        case .openBracket: "\"[\""
        case .closeBracket: "\"]\""
        }
    }

    static func tokenize(_ text: String) throws -> [(Token, Int)] {
        var tokens: [(Token, Int)] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case " ", "\t", "\n": i += 1
            case "(":
                tokens.append((.open, i))
                i += 1
            case ")":
                tokens.append((.close, i))
                i += 1
            case "[":
                tokens.append((.openBracket, i))
                i += 1
            case "]":
                tokens.append((.closeBracket, i))
                i += 1
            case "\"":
                let start = i
                var value = ""
                i += 1
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == "\\", i + 1 < chars.count {
                        let e = chars[i + 1]
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.append(e)
                        }
                        i += 2
                        continue
                    }
                    if d == "\"" {
                        closed = true
                        i += 1
                        break
                    }
                    value.append(d)
                    i += 1
                }
                guard closed else {
                    throw SCIMFilterError(
                        message: "invalid filter at character \(start + 1): the quoted text is not closed")
                }
                tokens.append((.string(value), start))
            default:
                let start = i
                var word = ""
                while i < chars.count, !" \t\n()[]\"".contains(chars[i]) {
                    word.append(chars[i])
                    i += 1
                }
                tokens.append((.word(word), start))
            }
        }
        return tokens
    }
}
