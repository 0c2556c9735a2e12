/// Everything the domain keeps. One implementation (RosterStore) serves SQLite and PostgreSQL;
/// the domain's tests use an in-memory one.
public protocol Storage: DirectoryRepository, ApplicationRepository, ImportRepository, InsightsRepository,
    AdministratorRepository, JobQueue, GroupRepository, ProvisioningRepository, SessionRepository, MailRepository,
    ListingRepository, SCIMRepository, ScheduleRepository, MappingRepository,
    CustomAttributeRepository
{}
