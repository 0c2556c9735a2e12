import Foundation
import Testing

@testable import RosterCore

@Suite struct MailTests {
    @Test func aRequestOnlyEnqueuesAndAWorkerSends() async throws {
        // setup
        try await Harness.run { h in
            try await h.add(DirectoryUser(email: "ann@example.com", username: "ann"))
            // MUT
            try await h.domain.accounts.sendLink(email: "ann@example.com", by: h.admin)
            // validate
            #expect(h.sent.mails.isEmpty)
            #expect(try await h.jobs(.mail, status: "queued").count == 1)
            try await h.work(kinds: [.mail])
            #expect(h.sent.mails.map(\.subject) == ["Activate your account"])
            #expect(try await h.storage.mail(id: h.sent.mails[0].id)?.sent != nil)
        }
    }

    @Test func twoSendersDeliverEachMessageOnce() async throws {
        // setup
        try await Harness.run { h in
            for i in 0..<40 {
                try await h.domain.mail.enqueue(
                    EmailMessage(from: "roster@localhost", to: "u\(i)@example.com", subject: "n\(i)", text: "x"))
            }
            // MUT: two workers, each with its own owner, drain the queue at the same time
            async let a = h.domain.worker(kinds: [.mail]).runUntilIdle()
            async let b = h.domain.worker(kinds: [.mail]).runUntilIdle()
            let (ranA, ranB) = try await (a, b)
            // validate
            #expect(ranA + ranB == 40)
            #expect(h.sent.mails.count == 40)
            #expect(Set(h.sent.mails.map(\.id)).count == 40)
        }
    }

    @Test func aMessageThatCannotBeSentWaitsAndIsTriedAgainWithBackOff() async throws {
        // setup
        try await Harness.run { h in
            h.sent.fail(true)
            // The queue's clock stands still: the back-off is measured from it, however slow the machine.
            let now = Date()
            h.storage.setClock { now }
            try await h.domain.mail.enqueue(
                EmailMessage(from: "roster@localhost", to: "a@example.com", subject: "s", text: "x"))
            // MUT
            try await h.work(kinds: [.mail])
            // validate
            let job = try #require(try await h.jobs(.mail).first)
            #expect(job.status == "queued" && job.lastError == "the SMTP server is down")
            #expect(try #require(job.runAfter) >= now.addingTimeInterval(4.9))
            #expect(MailDelivery.backoff(attempt: 1) == .seconds(5) && MailDelivery.backoff(attempt: 3) == .seconds(20))
            #expect(MailDelivery.backoff(attempt: 30) == .seconds(3600))
            // MUT: once the server is back and the wait is over, it goes
            h.sent.fail(false)
            h.storage.setClock { now.addingTimeInterval(10) }
            try await h.work(kinds: [.mail])
            #expect(h.sent.mails.count == 1)
        }
    }
}
