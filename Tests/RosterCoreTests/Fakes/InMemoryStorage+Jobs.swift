import Foundation

@testable import RosterCore

// MARK: - Import jobs, Insights, administrators, sessions, mail

extension InMemoryStorage {
    func createJob(_ job: ImportJob) async throws {
        try check()
        importJobs[job.id] = job
    }
    func job(id: UUID) async throws -> ImportJob? {
        try check()
        return importJobs[id]
    }

    func jobs(limit: Int) async throws -> [ImportJob] {
        try check()
        return Array(importJobs.values.sorted { $0.createdAt > $1.createdAt }.prefix(limit))
    }

    func results(jobId: UUID) async throws -> [ImportResult] {
        try check()
        return importResults[jobId, default: []]
    }

    func results(jobId: UUID, after position: Int, limit: Int, except: ImportResult.Outcome?) async throws
        -> [(position: Int, result: ImportResult)]
    {
        try check()
        let all = importResults[jobId, default: []].enumerated().map { (position: $0.offset, result: $0.element) }
        return Array(all.filter { $0.position > position && $0.result.outcome != except }.prefix(limit))
    }

    func remoteIdsWithResults(jobId: UUID, among remoteIds: [String]) async throws -> Set<String> {
        try check()
        return Set(importResults[jobId, default: []].map(\.remoteId)).intersection(remoteIds)
    }

    func commitImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) async throws
        -> [ImportResult]
    {
        try check()
        try await rules.waitTurn()
        // An actor may take other calls while waiting: the check again, as the transaction begins.
        try check()
        if let application = rules.activeIntegration, integrations[application]?.status != .active {
            throw IntegrationInactive(applicationId: application)
        }
        var results: [ImportResult] = []
        for candidate in candidates
        where !importResults[jobId, default: []].contains(where: { $0.remoteId == candidate.remoteId }) {
            let result: ImportResult
            switch candidate.mapped {
            case .failure(let failure):
                result = ImportResult(
                    remoteId: candidate.remoteId, userName: candidate.userName, outcome: .failed,
                    reason: failure.description)
            case .success(let user):
                if let existing = conflicting(user) {
                    result = rules.resolveConflict(candidate, existing)
                } else if rules.dryRun {
                    result = ImportResult(
                        remoteId: candidate.remoteId, userName: candidate.userName, outcome: .new,
                        reason: "dry run: would be created")
                } else {
                    users[user.id] = user
                    events.append(rules.createdEvent(user))
                    result = ImportResult(
                        remoteId: candidate.remoteId, userName: candidate.userName, outcome: .created, userId: user.id)
                }
            }
            importResults[jobId, default: []].append(result)
            results.append(result)
        }
        importJobs[jobId]?.created += results.count { $0.outcome == .created || $0.outcome == .new }
        importJobs[jobId]?.skipped += results.count { $0.outcome == .skipped }
        importJobs[jobId]?.failed += results.count { $0.outcome == .failed }
        if let listed = rules.listed, let job = importJobs[jobId] {
            importJobs[jobId]?.total = listed
            committedTotals[jobId, default: []].append((listed, job.processed))
        }
        rules.committed()
        return results
    }

    func updateJob(id: UUID, status: ImportJob.Status, total: Int?, reason: String?, finishedAt: Date?) async throws {
        try check()
        importJobs[id]?.status = status
        if let total { importJobs[id]?.total = total }
        if let reason { importJobs[id]?.reason = reason }
        if let finishedAt { importJobs[id]?.finishedAt = finishedAt }
    }

    func record(_ event: InsightsEvent) async throws {
        try check()
        events.append(event)
    }

    func events(_ query: InsightsQuery) async throws -> [InsightsEvent] {
        try check()
        return Array(
            events.filter { event in
                (query.type == nil || event.type == query.type)
                    && (query.applicationId == nil || event.application?.id == query.applicationId)
                    && (query.from == nil || event.time >= query.from!) && (query.to == nil || event.time < query.to!)
                    && (query.before.map { InsightsCursor(after: event).isOlder(than: $0) } ?? true)
            }.reversed().prefix(query.limit))
    }

    func dailyCounts(_ query: InsightsQuery) async throws -> [(day: Date, count: Int)] {
        let days = Dictionary(grouping: try await events(InsightsQuery(type: query.type, limit: Int.max))) {
            Date(timeIntervalSince1970: ($0.time.timeIntervalSince1970 / 86400).rounded(.down) * 86400)
        }
        return days.map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 }
    }

    func createAdministrator(_ administrator: Administrator) async throws {
        try check()
        administrators[administrator.id] = administrator
    }

    func administrator(email: String) async throws -> Administrator? {
        try check()
        return administrators.values.first { $0.email.lowercased() == email.lowercased() }
    }

    func administrator(id: UUID) async throws -> Administrator? {
        try check()
        return administrators[id]
    }
    func administrators() async throws -> [Administrator] {
        try check()
        return Array(administrators.values)
    }

    func updateAdministrator(_ administrator: Administrator) async throws {
        try check()
        if administrator.mfaSecret == nil { totpSteps[administrator.id] = nil }
        administrators[administrator.id] = administrator
    }

    func deleteAdministrator(id: UUID) async throws {
        try check()
        administrators[id] = nil
        keys.removeAll { $0.administratorId == id }
        sessions = sessions.filter { $0.value.administratorId != id }
        recoveryCodes[id] = nil
    }

    func createAPIKey(_ key: APIKey) async throws {
        try check()
        keys.append(key)
    }
    func apiKey(hash: String) async throws -> APIKey? {
        try check()
        return keys.first { $0.hash == hash }
    }
    func apiKey(id: UUID) async throws -> APIKey? {
        try check()
        return keys.first { $0.id == id }
    }
    func apiKeys() async throws -> [APIKey] {
        try check()
        return keys
    }

    func revokeAPIKey(id: UUID, at: Date) async throws -> Int {
        try check()
        var family: Set<UUID> = [id]
        while true {
            let children = Set(keys.filter { $0.parentId.map(family.contains) ?? false }.map(\.id))
            guard !children.isSubset(of: family) else { break }
            family.formUnion(children)
        }
        var revoked = 0
        for index in keys.indices where family.contains(keys[index].id) && keys[index].revoked == nil {
            keys[index].revoked = at
            revoked += 1
        }
        return revoked
    }

    func touchAPIKey(id: UUID, at: Date) async throws {
        try check()
        for index in keys.indices where keys[index].id == id { keys[index].lastUsed = at }
    }

    func saveRecoveryCodes(administratorId: UUID, hashes: [String]) async throws {
        try check()
        recoveryCodes[administratorId] = Set(hashes)
    }

    func useRecoveryCode(administratorId: UUID, hash: String, now: Date) async throws -> Bool {
        try check()
        return recoveryCodes[administratorId]?.remove(hash) != nil
    }

    func acceptTOTPStep(administratorId: UUID, step: Int64) async throws -> Bool {
        try check()
        guard totpSteps[administratorId].map({ $0 < step }) ?? true else { return false }
        totpSteps[administratorId] = step
        return true
    }

    func createSession(_ session: AdminSession) async throws {
        try check()
        sessions[session.tokenHash] = session
    }
    func session(tokenHash: String) async throws -> AdminSession? {
        try check()
        return sessions[tokenHash]
    }
    func extendSession(tokenHash: String, expires: Date) async throws {
        try check()
        sessions[tokenHash]?.expires = expires
    }

    func setSessionStage(tokenHash: String, stage: AdminSession.Stage) async throws {
        try check()
        sessions[tokenHash]?.stage = stage
    }

    func deleteSession(tokenHash: String) async throws {
        try check()
        sessions[tokenHash] = nil
    }

    func deleteSessions(administratorId: UUID) async throws {
        try check()
        sessions = sessions.filter { $0.value.administratorId != administratorId }
    }

    func countSignInAttempt(key: String, now: Date, window: TimeInterval) async throws -> (
        attempts: Int, lockedUntil: Date?
    ) {
        try check()
        var entry = throttle[key] ?? (0, now, nil)
        if entry.windowStart < now.addingTimeInterval(-window), (entry.lockedUntil ?? .distantPast) < now {
            entry = (0, now, nil)
        }
        entry.attempts += 1
        throttle[key] = entry
        return (entry.attempts, entry.lockedUntil)
    }

    func lockSignIn(key: String, until: Date) async throws {
        try check()
        throttle[key]?.lockedUntil = until
    }
    func signInLock(key: String) async throws -> Date? {
        try check()
        return throttle[key]?.lockedUntil
    }
    func clearSignIn(key: String) async throws {
        try check()
        throttle[key] = nil
    }

    func uncountSignInAttempt(key: String) async throws {
        try check()
        if let attempts = throttle[key]?.attempts, attempts > 0 { throttle[key]?.attempts = attempts - 1 }
    }

    func enqueueMail(_ mail: OutboxMail) async throws {
        try check()
        outbox[mail.id] = mail
        append(.mail(messageId: mail.id), status: "queued")
    }

    func mail(id: UUID) async throws -> OutboxMail? {
        try check()
        return outbox[id]
    }
    func markMailSent(id: UUID, at: Date) async throws {
        try check()
        outbox[id]?.sent = at
    }
    func mails(limit: Int) async throws -> [OutboxMail] {
        try check()
        return Array(outbox.values.prefix(limit))
    }
}

// MARK: - The job queue

extension InMemoryStorage {
    @discardableResult
    private func append(_ payload: JobPayload, status: String) -> UUID {
        let id = UUID()
        jobs.append(Job(id: id, payload: payload, status: status, runAfter: now(), attempts: 0, created: now()))
        return id
    }

    func queue(limit: Int) async throws -> [QueuedJobStatus] {
        try check()
        return jobs.reversed().prefix(limit).map {
            QueuedJobStatus(
                job: $0.queued, status: $0.status, leaseOwner: $0.leaseOwner, leaseUntil: $0.leaseUntil,
                lastError: $0.lastError)
        }
    }

    func pendingCount(kind: JobKind, applicationId: UUID) async throws -> Int {
        try check()
        return jobs.filter {
            $0.payload.kind == kind && $0.payload.applicationId == applicationId
                && ["queued", "running"].contains($0.status)
        }.count
    }

    func queueDepth() async throws -> [QueueDepth] {
        try check()
        let waiting = jobs.filter { ["queued", "held", "running"].contains($0.status) }
        return Dictionary(grouping: waiting, by: \.payload.kind).map {
            QueueDepth(kind: $0.key.rawValue, waiting: $0.value.count, oldest: $0.value.map(\.created).min())
        }
    }

    func enqueue(_ payload: JobPayload) async throws -> UUID {
        try check()
        return append(payload, status: "queued")
    }

    func enqueueOnce(_ payload: JobPayload, held: Bool) async throws {
        try check()
        if let index = jobs.firstIndex(where: { $0.payload == payload && ["queued", "held"].contains($0.status) }) {
            if held { jobs[index].status = "held" }
            return
        }
        append(payload, status: held ? "held" : "queued")
    }

    func hold(jobId: UUID, owner: String, reason: String) async throws {
        try update(jobId, owner: owner) {
            $0.status = "held"
            $0.lastError = reason
            $0.leaseOwner = nil
            $0.leaseUntil = nil
        }
    }

    func releaseHeld(applicationId: UUID) async throws -> Int {
        try check()
        var count = 0
        for index in jobs.indices
        where jobs[index].status == "held" && jobs[index].payload.applicationId == applicationId {
            jobs[index].status = "queued"
            jobs[index].runAfter = now()
            jobs[index].attempts = 0
            count += 1
        }
        return count
    }

    func cancelQueued(kinds: Set<JobKind>, applicationId: UUID, error: String) async throws -> [QueuedJob] {
        try check()
        var cancelled: [QueuedJob] = []
        for index in jobs.indices
        where kinds.contains(jobs[index].payload.kind) && ["queued", "held"].contains(jobs[index].status)
            && jobs[index].payload.applicationId == applicationId
        {
            jobs[index].status = "failed"
            jobs[index].lastError = error
            cancelled.append(jobs[index].queued)
        }
        return cancelled
    }

    func retry(jobId: UUID, owner: String, error: String, delay: Duration) async throws {
        let due = now().addingTimeInterval(Double(delay.milliseconds) / 1000)
        try update(jobId, owner: owner) {
            $0.status = "queued"
            $0.lastError = error
            $0.runAfter = due
            $0.leaseOwner = nil
            $0.leaseUntil = nil
        }
    }

    func claim(owner: String, lease: Duration, kinds: Set<JobKind>) async throws -> QueuedJob? {
        try check()
        let now = now()
        guard
            let index = jobs.firstIndex(where: { job in
                kinds.contains(job.payload.kind)
                    && ((job.status == "queued" && job.runAfter <= now)
                        || (job.status == "running" && job.leaseUntil! < now))
                    // Never the same work twice at once.
                    && !jobs.contains { other in
                        other.id != job.id && other.payload == job.payload && other.status == "running"
                            && other.leaseUntil! >= now
                    }
            })
        else { return nil }
        jobs[index].status = "running"
        jobs[index].leaseOwner = owner
        jobs[index].leaseUntil = now.addingTimeInterval(Double(lease.milliseconds) / 1000)
        jobs[index].attempts += 1
        return jobs[index].queued
    }

    func renew(jobId: UUID, owner: String, lease: Duration) async throws -> Bool {
        try check()
        guard let index = jobs.firstIndex(where: { $0.id == jobId && $0.leaseOwner == owner && $0.status == "running" })
        else {
            return false
        }
        jobs[index].leaseUntil = now().addingTimeInterval(Double(lease.milliseconds) / 1000)
        return true
    }

    func finish(jobId: UUID, owner: String, error: String?) async throws {
        try update(jobId, owner: owner) {
            $0.status = error == nil ? "done" : "failed"
            $0.lastError = error
            $0.leaseUntil = nil
        }
    }

    private func update(_ id: UUID, owner: String, _ change: (inout Job) -> Void) throws {
        try check()
        guard let index = jobs.firstIndex(where: { $0.id == id && $0.leaseOwner == owner }) else { return }
        change(&jobs[index])
    }

    /// Queue entries of one kind in one status, for checks.
    func jobs(_ kind: JobKind, status: String? = nil) -> [Job] {
        jobs.filter { $0.payload.kind == kind && (status == nil || $0.status == status) }
    }
}

extension InsightsCursor {
    func isOlder(than other: InsightsCursor) -> Bool { (millis, id) < (other.millis, other.id) }
}
