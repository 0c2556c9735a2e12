/// Every kind of Directory Insights event, spelled one way: lower case words joined by `_`
/// (SPEC.md's `user_create`). Migration 4 renamed the two older mixed-case spellings.
public enum InsightsEventType: String, Sendable, Hashable, CaseIterable, Codable {
    case userCreate = "user_create"
    case userUpdate = "user_update"
    case userSuspend = "user_suspend"
    case userDelete = "user_delete"
    case userPasswordSet = "user_password_set"
    case userActivationSent = "user_activation_sent"
    case userResetSent = "user_reset_sent"
    case importStart = "import_start"
    case importComplete = "import_complete"
    case applicationCreate = "application_create"
    case idmActivate = "idm_activate"
    case idmDeactivate = "idm_deactivate"
    case idmRelease = "idm_release"
    case groupCreate = "group_create"
    case groupRename = "group_rename"
    case groupDelete = "group_delete"
    case groupAddMember = "group_add_member"
    case groupRemoveMember = "group_remove_member"
    case groupBind = "group_bind"
    case groupUnbind = "group_unbind"
    case provisionCreate = "provision_create"
    case provisionLink = "provision_link"
    case provisionUpdate = "provision_update"
    case provisionDeactivate = "provision_deactivate"
    case provisionDelete = "provision_delete"
    case provisionAddMembers = "provision_add_members"
    case provisionRemoveMembers = "provision_remove_members"
    case provisionConfirm = "provision_confirm"
    case provisionCancel = "provision_cancel"
    case adminCreate = "admin_create"
    case adminSignin = "admin_signin"
    case adminSignout = "admin_signout"
    case adminDisable = "admin_disable"
    case adminEnable = "admin_enable"
    case adminDelete = "admin_delete"
    case adminSetRole = "admin_set_role"
    case adminSetPassword = "admin_set_password"
    case adminUnlock = "admin_unlock"
    case adminMFAEnrol = "admin_mfa_enrol"
    case adminMFAReset = "admin_mfa_reset"
    case apikeyCreate = "apikey_create"
    case apikeyRevoke = "apikey_revoke"
    case apikeyAuthFailure = "apikey_auth_failure"
    case idmNetworkPolicy = "idm_network_policy"
    case idmDeprovisionAction = "idm_deprovision_action"
    /// The pace Roster keeps with the application changed (`none`: learned from its 429s).
    case idmRateLimit = "idm_rate_limit"
    case importScheduleSet = "import_schedule_set"
    case importScheduleOff = "import_schedule_off"
    case attributeMappingSet = "attribute_mapping_set"
    case customAttributeDeclare = "custom_attribute_declare"
    case customAttributeRemove = "custom_attribute_remove"
    case jobCancel = "job_cancel"
    /// A schedule stopped because its owner can no longer run it (disabled, deleted, demoted).
    case importScheduleStopped = "import_schedule_stopped"

    /// The event a push of `operation` records.
    public static func provision(_ operation: ProvisioningLogEntry.Operation) -> InsightsEventType {
        switch operation {
        case .create: .provisionCreate
        case .link: .provisionLink
        case .update: .provisionUpdate
        case .deactivate: .provisionDeactivate
        case .delete: .provisionDelete
        case .addMembers: .provisionAddMembers
        case .removeMembers: .provisionRemoveMembers
        }
    }

    /// The type a filter names, or an error that lists the ones there are.
    public static func parse(_ text: String) throws -> InsightsEventType {
        let key = text.lowercased()
        // The spellings before migration 4 still name their types, so older scripts keep working.
        let renamed = ["provision_addmembers": provisionAddMembers, "provision_removemembers": provisionRemoveMembers]
        guard let type = InsightsEventType(rawValue: key) ?? renamed[key] else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw RosterError.invalid("there is no Insights event type \"\(text)\"; the types are \(known)")
        }
        return type
    }
}
