import Foundation
import SCIM
import Testing

@testable import RosterCore

/// Pages full of users that cannot be imported as they are, as real providers send them: the
/// importable users are imported exactly, and every other gets its own result, whatever the page
/// size and wherever the problems sit (issue "Fast on the data real providers send").
@Suite struct ImportProblemUsersTests {
    /// What is wrong with a listed user, and the result it must get.
    enum Kind: CaseIterable {
        case noEmail, invalidEmail, overLong, userNameOnly
        /// The email of a user already in the directory (another case): skipped, never updated.
        case inDirectory
        /// The email of an earlier listed user, in another case: a duplicate, failed.
        case sharedWithEarlier
        /// The username (not the email) of an earlier listed user: a duplicate, failed.
        case sameUserName
    }

    enum Layout: CaseIterable { case start, middle, end, everyRow }

    /// Which rows of a page of `size` hold a problem.
    static func isProblem(_ row: Int, size: Int, layout: Layout) -> Bool {
        let n = max(1, min(3, size / 10))
        switch layout {
        case .start: return row < n
        case .middle: return row >= size / 2 && row < size / 2 + n
        case .end: return row >= size - n
        case .everyRow: return true
        }
    }

    struct Listed {
        let remoteId: String
        let kind: Kind?
        let email: String
    }

    @Test(arguments: [1, 100, 1_000])
    func theImportableUsersOfPagesFullOfProblemUsersAreImportedExactlyAndEachOtherGetsItsResult(pageSize: Int)
        async throws
    {
        for layout in Layout.allCases {
            try await Harness.run { h in
                try await check(h, pageSize: pageSize, layout: layout)
            }
        }
    }

    func check(_ h: Harness, pageSize: Int, layout: Layout) async throws {
        try await h.application()
        h.provider.pages(of: pageSize)
        let known = DirectoryUser(email: "known@example.com", username: "known", jobTitle: "Keeps this title")
        try await h.add(known)
        // Two and a half pages (at least seven users), so that problems also meet users of other pages.
        let count = max(7, pageSize * 5 / 2)
        var listed: [Listed] = []
        var firstGood: Int?
        for i in 0..<count {
            let row = i % pageSize
            var kind: Kind? = nil
            if Self.isProblem(row, size: pageSize, layout: layout) {
                kind = Kind.allCases[i % Kind.allCases.count]
                // A duplicate needs an earlier user that was imported: else it is an ordinary problem.
                if (kind == .sharedWithEarlier || kind == .sameUserName) && firstGood == nil { kind = .noEmail }
            }
            let own = "pérson\(i)@example.com"
            let name = "Ünïcode \(i) محمد"
            let id: String
            switch kind {
            case nil:
                id = h.provider.addUser("user\(i)", email: own, displayName: name)
                firstGood = firstGood ?? i
            case .noEmail:
                id = h.provider.addUser("not-an-address-\(i)", email: nil, displayName: name)
            case .invalidEmail:
                id = h.provider.addUser("user\(i)", email: "no at sign \(i)", displayName: name)
            case .overLong:
                id = h.provider.addUser(
                    "user\(i)", email: own, displayName: String(repeating: "é", count: UserMapping.maxLength + 1))
            case .userNameOnly:
                id = h.provider.addUser("only-\(i)", email: nil)
            case .inDirectory:
                id = h.provider.addUser("user\(i)", email: "KNOWN@example.com", displayName: name)
            case .sharedWithEarlier:
                id = h.provider.addUser("user\(i)", email: "PÉRSON\(firstGood!)@EXAMPLE.COM", displayName: name)
            case .sameUserName:
                id = h.provider.addUser("USER\(firstGood!)", email: own, displayName: name)
            }
            listed.append(Listed(remoteId: id, kind: kind, email: own))
        }
        // A small listing is imported at once, a larger one queued for a worker: both ways are checked.
        let jobId: UUID
        switch try await h.domain.imports.start(application: "App", selection: .all, by: h.admin) {
        case .queued(let queued): jobId = queued.id
        case .finished(let finished, _): jobId = finished.id
        }
        try await h.work()
        let (job, results) = try await h.domain.imports.job(id: jobId, by: h.admin)
        let label = "page size \(pageSize), problems at \(layout)"
        #expect(job.status == .completed, "\(label)")
        #expect(results.map(\.remoteId) == listed.map(\.remoteId), "\(label): one result per listed user, in order")
        let byRemote = Dictionary(uniqueKeysWithValues: results.map { ($0.remoteId, $0) })
        for user in listed {
            let result = try #require(byRemote[user.remoteId])
            let reason = result.reason ?? ""
            switch user.kind {
            case nil: #expect(result.outcome == .created, "\(label): \(user.remoteId) \(reason)")
            case .noEmail, .userNameOnly:
                #expect(result.outcome == .failed && reason.hasPrefix("no usable email"), "\(label): \(reason)")
            case .invalidEmail:
                #expect(result.outcome == .failed && reason.contains("is not a valid email"), "\(label): \(reason)")
            case .overLong:
                #expect(result.outcome == .failed && reason.hasPrefix("displayName"), "\(label): \(reason)")
            case .inDirectory:
                #expect(result.outcome == .skipped && result.userId == known.id, "\(label): \(reason)")
            case .sharedWithEarlier, .sameUserName:
                #expect(result.outcome == .failed && reason.hasPrefix("duplicate"), "\(label): \(reason)")
            }
        }
        // The directory holds exactly the importable users, each with what the application holds.
        let good = listed.filter { $0.kind == nil }
        let users = try await h.users().filter { $0.id != known.id }
        #expect(Set(users.map(\.email)) == Set(good.map(\.email)), "\(label)")
        for user in users {
            let number = user.email.dropFirst("pérson".count).prefix { $0.isNumber }
            #expect(user.displayname == "Ünïcode \(number) محمد" && user.source.remoteId != nil, "\(label)")
        }
        #expect(try await h.storage.user(id: known.id)?.jobTitle == "Keeps this title")
        let counts = (job.created, job.skipped, job.failed)
        let skipped = listed.count { $0.kind == .inDirectory }
        #expect(counts == (good.count, skipped, listed.count - good.count - skipped), "\(label)")
        #expect(try await h.events().count { $0.type == .userCreate } == good.count, "\(label)")
    }
}
