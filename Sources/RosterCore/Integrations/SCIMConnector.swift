import Foundation
import Logging
import SCIM
import Synchronization

/// Makes SCIM clients for integrations over one transport and one set of limits. Every client
/// of one integration shares one OAuth token cache, so a token is fetched once for all its
/// calls, renewed before it expires, and dropped when the provider refuses it.
public final class SCIMConnector: Sendable {
    let transport: any SCIMTransport
    public let configuration: SCIMClientConfiguration
    let logger: Logger
    private let tokenCaches = Mutex<[TokenOwner: OAuthTokenCache]>([:])

    /// New credentials mean a new token: the cache is per application and credentials.
    private struct TokenOwner: Hashable {
        let applicationId: UUID
        let credentials: Credentials
    }

    public init(transport: any SCIMTransport, configuration: SCIMClientConfiguration = .init(), logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    func client(for integration: Integration, application: Application) -> SCIMClient {
        let owner = TokenOwner(applicationId: integration.applicationId, credentials: integration.credentials)
        let tokens = tokenCaches.withLock { caches in
            if let cache = caches[owner] { return cache }
            let cache = OAuthTokenCache()
            caches[owner] = cache
            return cache
        }
        return SCIMClient(
            baseURL: integration.baseURL, authentication: integration.credentials.authentication, transport: transport,
            configuration: configuration, tokens: tokens, observer: SCIMMetrics(application: application.name),
            logger: logger)
    }
}
