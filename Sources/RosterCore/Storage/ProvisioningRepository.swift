import Foundation

public protocol ProvisioningRepository: Sendable {
    func provisionedUser(applicationId: UUID, userId: UUID) async throws -> ProvisionedUser?
    func saveProvisionedUser(_ link: ProvisionedUser) async throws
    func deleteProvisionedUser(applicationId: UUID, userId: UUID) async throws
    /// Remote ids of the group's members that Roster has active in the application.
    func provisionedRemoteIds(applicationId: UUID, userIds: [UUID]) async throws -> [UUID: String]
    func provisionedGroup(applicationId: UUID, groupId: UUID) async throws -> ProvisionedGroup?
    func saveProvisionedGroup(_ group: ProvisionedGroup) async throws
    /// Confirms the removal of every member held in the application's adopted groups; answers those groups.
    func confirmUnconfirmedMembers(applicationId: UUID) async throws -> [UUID]
    /// Records a push and its Insights event together.
    func log(_ entry: ProvisioningLogEntry, event: InsightsEvent) async throws
    /// One page of an application's pushes, filtered and ordered by the database.
    func provisioningLog(_ query: ProvisioningLogQuery) async throws -> [ProvisioningLogEntry]
    /// Applications where Roster left the user active.
    func provisionedApplications(userId: UUID) async throws -> [UUID]
    /// Users Roster has active in the application.
    func provisionedUserIds(applicationId: UUID) async throws -> [UUID]
    /// How many users Roster has active in the application.
    func provisionedUserCount(applicationId: UUID) async throws -> Int
    /// Counts a failed push and answers how many failed in a row; a success resets the count.
    func recordPush(applicationId: UUID, succeeded: Bool) async throws -> Int
    func deprovisionAction(applicationId: UUID) async throws -> DeprovisionAction
    func setDeprovisionAction(applicationId: UUID, _ action: DeprovisionAction) async throws
}

/// What deprovisioning does in an application: SPEC.md's default keeps the account, inactive.
public enum DeprovisionAction: String, Sendable { case deactivate, delete }
