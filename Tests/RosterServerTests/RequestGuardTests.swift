import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RosterCore
import Synchronization
import Testing

@testable import RosterServer

/// The guards every request passes: a deadline on Roster's own work, and a body read after
/// authentication, bounded and free of NUL characters however it is split into chunks.
@Suite struct RequestGuardTests {
    @Test func workPastTheDeadlineIsCancelledAndAnswered503() async throws {
        let cancelled = Mutex(false)
        let router = Router()
        router.add(middleware: DeadlineMiddleware(deadline: .milliseconds(50)))
        router.get("forever") { _, _ -> String in
            // Work that never ends on its own: only the deadline's cancellation ends it.
            do { try await Task.sleep(for: .seconds(3600)) } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
            return "done"
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/forever", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("was stopped"))
            }
        }
        // Work that ends within its deadline is answered as usual: a deadline of its own, long enough
        // for the busiest machine, so that this half never races the clock.
        let patient = Router()
        patient.add(middleware: DeadlineMiddleware(deadline: .seconds(600)))
        patient.get("quick") { _, _ in "done" }
        try await Application(router: patient).test(.router) { client in
            try await client.execute(uri: "/quick", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "done")
            }
        }
        #expect(cancelled.withLock { $0 }, "the work was cancelled, not left running")
    }

    /// The body as `chunks`, read through the guard.
    func read(_ chunks: [String], limit: Int = 1 << 20) async throws -> String {
        let (body, source) = RequestBody.makeStream()
        for chunk in chunks { await source.yield(ByteBuffer(string: chunk)) }
        source.finish()
        var collected = ""
        for try await buffer in GuardedBody(base: body, limit: limit) { collected += String(buffer: buffer) }
        return collected
    }

    @Test func aNulIsFoundWhereverTheChunksSplitItAndABodyPastItsLimitIsRefused() async throws {
        #expect(try await read(["{\"name\":", "\"Ann\"}"]) == "{\"name\":\"Ann\"}")
        for escape in ["%00", "\\u0000", "\\U0000", "\u{0}"] {
            let text = "{\"name\":\"A" + escape + "nn\"}"
            // Split at every place, the escape's own places included.
            for cut in 0...text.utf8.count {
                let bytes = Array(text.utf8)
                let chunks = [
                    String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self),
                ]
                await #expect(throws: RosterError.self, "\(escape.debugDescription) cut at \(cut)") {
                    _ = try await read(chunks)
                }
            }
        }
        await #expect(throws: HTTPError.self) { _ = try await read(["12345", "67890"], limit: 8) }
        #expect(try await read(["12345", "678"], limit: 8) == "12345678")
    }
}
