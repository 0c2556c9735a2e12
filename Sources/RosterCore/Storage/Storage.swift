/// Everything the domain keeps. One implementation (RosterStore) serves SQLite and PostgreSQL,
/// and the domain's tests run on it too.
public protocol Storage: DirectoryRepository, ApplicationRepository, ImportRepository, InsightsRepository,
    AdministratorRepository, JobQueue, GroupRepository, ProvisioningRepository, SessionRepository, MailRepository,
    ListingRepository, SCIMRepository, ScheduleRepository, MappingRepository,
    CustomAttributeRepository, UnitOfWork
{}

/// A change that takes more than one statement: the change itself, its Insights events and the
/// provisioning work it causes are committed together, or none of them is.
public protocol UnitOfWork: Sendable {
    /// Runs `body` in one transaction, with the store to read and write through. Reads in it see
    /// its writes; a row read with a `lock…` call stays as read until it ends (another writer
    /// waits); a nested call is part of the outer one.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Storage) async throws -> T) async throws -> T
}
