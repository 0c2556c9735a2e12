import Foundation
import Logging
import SCIM
import Synchronization

/// Makes SCIM clients for integrations over one transport and one set of limits. Every client
/// of one integration shares one OAuth token cache, so a token is fetched once for all its
/// calls, renewed before it expires, and dropped when the provider refuses it; and one pace, so
/// a 429 slows every task of the application down.
public final class SCIMConnector: Sendable {
    /// The transport for an integration's network policy.
    let transport: @Sendable (NetworkPolicy) -> any SCIMTransport
    public let configuration: SCIMClientConfiguration
    let logger: Logger
    private let tokenCaches = Mutex<[TokenOwner: OAuthTokenCache]>([:])
    /// One pace per application, shared by all its clients in this process.
    private let pacers = Mutex<[UUID: RequestPacer]>([:])

    /// New credentials mean a new token: the cache is per application and credentials.
    private struct TokenOwner: Hashable {
        let applicationId: UUID
        let credentials: Credentials
    }

    public init(
        transport: @escaping @Sendable (NetworkPolicy) -> any SCIMTransport,
        configuration: SCIMClientConfiguration = .init(),
        logger: Logger
    ) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    /// One transport whatever the policy (tests, whose provider lives in memory).
    public convenience init(
        transport: any SCIMTransport, configuration: SCIMClientConfiguration = .init(), logger: Logger
    ) {
        self.init(transport: { _ in transport }, configuration: configuration, logger: logger)
    }

    /// - Parameter listing: what the integration's listings leave out, and where what they learn goes.
    func client(for integration: Integration, application: Application, listing: ListingMemory? = nil) -> SCIMClient {
        let owner = TokenOwner(applicationId: integration.applicationId, credentials: integration.credentials)
        let tokens = tokenCaches.withLock { caches in
            if let cache = caches[owner] { return cache }
            let cache = OAuthTokenCache()
            caches[owner] = cache
            return cache
        }
        let pacer = pacers.withLock { pacers in
            if let pacer = pacers[integration.applicationId] { return pacer }
            let pacer = RequestPacer()
            pacers[integration.applicationId] = pacer
            return pacer
        }
        pacer.setLimit(integration.rateLimit)
        return SCIMClient(
            baseURL: integration.baseURL, authentication: integration.credentials.authentication,
            transport: transport(NetworkPolicy(allowPrivateNetwork: integration.allowPrivateNetwork)),
            configuration: configuration, tokens: tokens, observer: SCIMMetrics(application: application.name),
            pacer: pacer, listing: listing ?? ListingMemory(integration.listingFallbacks), logger: logger)
    }
}
