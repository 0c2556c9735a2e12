import Foundation

/// An append-only Directory Insights record.
public struct InsightsEvent: Sendable, Hashable {
    public struct Resource: Sendable, Hashable {
        public var type: String
        public var id: String?
        public var name: String?

        /// A Roster resource: its id is written as Roster writes every id, in lower case.
        public init(type: String, id: UUID?, name: String?) {
            self.init(type: type, text: id?.text, name: name)
        }

        /// As stored: the id exactly as it was recorded.
        public init(type: String, text id: String?, name: String?) {
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
    public var type: InsightsEventType
    public var initiator: Initiator
    public var resource: Resource?
    public var application: ApplicationRef?
    public var importJobId: UUID?
    public var success: Bool

    public init(
        id: UUID = UUID.timeOrdered(), time: Date = Date(), type: InsightsEventType, initiator: Initiator,
        resource: Resource?,
        application: ApplicationRef? = nil, importJobId: UUID? = nil, success: Bool = true
    ) {
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

extension InsightsEvent.ApplicationRef {
    public init(_ application: Application) { self.init(id: application.id, name: application.name) }
}
