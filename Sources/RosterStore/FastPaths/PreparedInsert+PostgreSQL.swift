import SQLKit

extension PreparedInsert {
    /// PostgreSQL: `head SELECT … FROM unnest($1::text[], …)`: one short statement per batch, whatever its
    /// size. A column holding the same value in every row (an import's job, state, source) is bound
    /// once; one with no NULL is bound as an array, which the driver sends in binary; one with
    /// some NULLs as an array literal. PostgreSQL parsed and planned a `VALUES` list of thousands of
    /// rows anew for every batch, and an array literal twice (to plan, then to run).
    /// - Parameter after: placeholders already taken by statements before this one in the same query.
    static func arrays(_ head: String, _ rows: [[SQLCell]], after: Int = 0) -> Statement {
        let width = rows[0].count
        var binds: [any Encodable & Sendable] = []
        var selected: [String] = []
        var arrays: [String] = []
        var names: [String] = []
        func bind(_ value: any Encodable & Sendable, as type: String) -> String {
            binds.append(value)
            return "$\(after + binds.count)::\(type)"
        }
        for column in 0..<width {
            let first = rows[0][column]
            let type = if case .int = first { "bigint" } else { "text" }
            // A batch of one row still needs a list to give its row count.
            if rows.count > 1 || column > 0, rows.allSatisfy({ $0[column] == first }) {
                switch first {
                case .text(let text?): selected.append(bind(text, as: type))
                case .int(let number?): selected.append(bind(number, as: type))
                case .text(nil), .int(nil): selected.append("NULL::\(type)")
                }
                continue
            }
            names.append("c\(column)")
            selected.append("u.c\(column)")
            arrays.append(bind(array(rows.map { $0[column] }), as: type + "[]"))
        }
        let source =
            arrays.isEmpty
            ? " FROM generate_series(1, \(rows.count))"
            : " FROM unnest(" + arrays.joined(separator: ", ") + ") AS u(" + names.joined(separator: ", ") + ")"
        return Statement(sql: head + " SELECT " + selected.joined(separator: ", ") + source, binds: binds)
    }

    /// A column's values as one bound value: an array when none is NULL, else an array literal.
    private static func array(_ cells: [SQLCell]) -> any Encodable & Sendable {
        var texts: [String] = []
        var numbers: [Int64] = []
        for cell in cells {
            switch cell {
            case .text(let text?): texts.append(text)
            case .int(let number?): numbers.append(number)
            case .text(nil), .int(nil): return literal(cells)
            }
        }
        if case .int = cells[0] { return numbers }
        return texts
    }

    /// `{"a","b",NULL}`: each text quoted, so that none reads as NULL or loses its spaces.
    private static func literal(_ cells: [SQLCell]) -> String {
        var literal = "{"
        for (index, cell) in cells.enumerated() {
            if index > 0 { literal += "," }
            switch cell {
            case .text(nil), .int(nil): literal += "NULL"
            case .int(let number?): literal += String(number)
            case .text(let text?):
                literal += "\""
                if text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                    for scalar in text.unicodeScalars {
                        if scalar == "\"" || scalar == "\\" { literal += "\\" }
                        literal.unicodeScalars.append(scalar)
                    }
                } else {
                    literal += text
                }
                literal += "\""
            }
        }
        return literal + "}"
    }
}
