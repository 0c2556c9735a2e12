import Foundation

/// One remote user ready to commit: the mapped directory user or why it cannot be imported.
public struct ImportCandidate: Sendable {
    public var remoteId: String
    public var userName: String?
    public var mapped: Result<DirectoryUser, UserMapping.Failure>
    public init(remoteId: String, userName: String?, mapped: Result<DirectoryUser, UserMapping.Failure>) {
        self.remoteId = remoteId
        self.userName = userName
        self.mapped = mapped
    }
}

/// The rules the store applies inside its transaction, so a rule stays in the domain.
public struct ImportBatchRules: Sendable {
    /// What to record when a candidate collides with an existing user.
    public var resolveConflict: @Sendable (ImportCandidate, DirectoryUser) -> ImportResult
    /// The Insights event for a created user.
    public var createdEvent: @Sendable (DirectoryUser) -> InsightsEvent
    /// Whether the job may already hold results for these users (it is being resumed): they are
    /// then looked up and left alone. A fresh job skips the lookup; a second writer's results
    /// are refused by the results' unique key either way.
    public var mayHaveResults: Bool
    /// Writes no user: each new one gets the result `new` (counted as created), the others the
    /// result an import would give them.
    public var dryRun = false
    /// The users listed so far, when the job's total grows as pages arrive: written with the
    /// batch's counts, in its transaction (a write of its own per batch stalled the pipeline).
    public var listed: Int?
    /// The application whose integration must be active for the batch to commit. The store reads
    /// its status in the batch's own transaction, so a deactivation cannot slip in between the
    /// check and the write (and the check costs no trip of its own), and throws
    /// `IntegrationInactive` having written nothing.
    public var activeIntegration: UUID?

    public init(
        resolveConflict: @escaping @Sendable (ImportCandidate, DirectoryUser) -> ImportResult,
        createdEvent: @escaping @Sendable (DirectoryUser) -> InsightsEvent, mayHaveResults: Bool = true
    ) {
        self.resolveConflict = resolveConflict
        self.createdEvent = createdEvent
        self.mayHaveResults = mayHaveResults
    }
}

/// A batch met its application's integration no longer active (see `ImportBatchRules.activeIntegration`).
public struct IntegrationInactive: Error, Equatable {
    public let applicationId: UUID
    public init(applicationId: UUID) { self.applicationId = applicationId }
}

/// The import job was cancelled (`roster jobs cancel`): a batch's transaction found it so, and
/// wrote nothing.
public struct ImportCancelled: Error, Equatable {
    public let jobId: UUID
    public init(jobId: UUID) { self.jobId = jobId }
}

/// A batch of an import readied by the store (``ImportRepository/prepareImportBatch(jobId:candidates:rules:)``).
public protocol PreparedImportBatch: Sendable {}

public protocol ImportRepository: Sendable {
    func createJob(_ job: ImportJob) async throws
    func job(id: UUID) async throws -> ImportJob?
    func jobs(limit: Int) async throws -> [ImportJob]
    func results(jobId: UUID) async throws -> [ImportResult]
    /// Up to `limit` results of the job after `position`, in order, with their positions: a job
    /// of any size is read a page at a time. Those of outcome `except` are left out.
    func results(jobId: UUID, after position: Int, limit: Int, except: ImportResult.Outcome?) async throws
        -> [(position: Int, result: ImportResult)]
    /// Of `remoteIds`, those that already have a result in the job (work done before a crash).
    func remoteIdsWithResults(jobId: UUID, among remoteIds: [String]) async throws -> Set<String>
    /// Readies a batch for ``commitImportBatch(_:rules:)``: the rows of its users and their events,
    /// made without the database, so an import readies a batch while the one before it commits.
    func prepareImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) throws
        -> any PreparedImportBatch
    /// Creates the users, their events and the results of one batch in one transaction, and
    /// adds the counts to the job. A user whose email or username is taken is never created.
    func commitImportBatch(_ batch: any PreparedImportBatch, rules: ImportBatchRules) async throws -> [ImportResult]
    func updateJob(id: UUID, status: ImportJob.Status, total: Int?, reason: String?, finishedAt: Date?) async throws
}

extension ImportRepository {
    /// Readies and commits one batch.
    public func commitImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) async throws
        -> [ImportResult]
    {
        try await commitImportBatch(
            prepareImportBatch(jobId: jobId, candidates: candidates, rules: rules), rules: rules)
    }
}
