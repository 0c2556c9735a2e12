import Foundation

/// An append-only Directory Insights record.
public struct InsightsEvent: Sendable, Hashable {
    public struct Resource: Sendable, Hashable {
        public var type: String
        public var id: String?
        public var name: String?
        public init(type: String, id: String?, name: String?) {
            self.type = type
            self.id = id
            self.name = name
        }
    }

    public struct ApplicationRef: Sendable, Hashable {
        public var id: UUID
        public var name: String
        public init(id: UUID, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var id: UUID
    public var time: Date
    public var type: String
    public var initiator: Initiator
    public var resource: Resource?
    public var application: ApplicationRef?
    public var importJobId: UUID?
    public var success: Bool

    public init(id: UUID = UUID(), time: Date = Date(), type: String, initiator: Initiator, resource: Resource?,
                application: ApplicationRef? = nil, importJobId: UUID? = nil, success: Bool = true) {
        self.id = id
        self.time = time
        self.type = type
        self.initiator = initiator
        self.resource = resource
        self.application = application
        self.importJobId = importJobId
        self.success = success
    }
}

extension InsightsEvent {
    /// Every event type Roster records, for filters (SPEC.md's Insights list, and Roster's own).
    public static let knownTypes: [String] = [
        "user_create", "user_update", "user_suspend", "user_password_set", "user_activation_sent", "user_reset_sent",
        "import_start", "import_complete", "application_create", "idm_activate", "idm_deactivate", "idm_release",
        "group_create", "group_add_member", "group_remove_member", "group_bind", "group_unbind",
        "provision_create", "provision_link", "provision_update", "provision_deactivate", "provision_delete",
        "provision_addMembers", "provision_removeMembers", "provision_confirm", "provision_cancel",
        "admin_create", "admin_signin", "apikey_create",
    ]
}

extension InsightsEvent.ApplicationRef {
    public init(_ application: Application) { self.init(id: application.id, name: application.name) }
}
