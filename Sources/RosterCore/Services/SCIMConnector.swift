import AsyncHTTPClient
import Logging
import SCIM

/// Makes SCIM clients for integrations, sharing one HTTP client and one set of limits.
public struct SCIMConnector: Sendable {
    let http: HTTPClient
    public var configuration: SCIMClientConfiguration
    let logger: Logger

    public init(http: HTTPClient, configuration: SCIMClientConfiguration = .init(), logger: Logger) {
        self.http = http
        self.configuration = configuration
        self.logger = logger
    }

    func client(for integration: Integration) -> SCIMClient {
        SCIMClient(baseURL: integration.baseURL, authentication: integration.credentials.authentication,
                   httpClient: http, configuration: configuration, logger: logger)
    }
}

extension RosterError {
    /// The administrator-facing form of a service provider failure.
    static func from(_ error: any Error) -> RosterError {
        if let error = error as? RosterError { return error }
        if let error = error as? SCIMClientError { return .serviceProvider(error.description) }
        if let error = error as? SCIMFilterError { return .invalid(error.description) }
        return .serviceProvider("\(error)")
    }
}
