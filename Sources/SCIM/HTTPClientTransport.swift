import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The transport over AsyncHTTPClient: what Roster uses for real.
public struct HTTPClientTransport: SCIMTransport {
    let http: HTTPClient
    let logger: Logger

    public init(http: HTTPClient, logger: Logger = Logger(label: "scim", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.http = http
        self.logger = logger
    }

    public func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws
        -> SCIMHTTPResponse
    {
        // The deadline covers the body too: a provider that sends headers and then stalls must
        // not hold a worker forever, so the whole exchange races the clock.
        try await withThrowingTaskGroup(of: SCIMHTTPResponse.self) { group in
            group.addTask { try await exchange(request, timeout: timeout, maxBodyBytes: maxBodyBytes) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SCIMClientError(
                    .timeout, "the service provider did not finish answering within \(timeout.text)",
                    url: request.url)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    private func exchange(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws
        -> SCIMHTTPResponse
    {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let url = request.url
        let response: HTTPClientResponse
        do {
            response = try await http.execute(
                // bounded: a configured timeout (ROSTER_SCIM_TIMEOUT_SECONDS)
                outgoing, timeout: .nanoseconds(Int64(timeout.milliseconds) * 1_000_000),
                logger: logger)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw SCIMClientError(.timeout, "the service provider did not answer within \(timeout.text)", url: url)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw SCIMClientError(.unreachable, "could not reach the service provider: \(error)", url: url)
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBodyBytes {
            throw SCIMClientError.tooLarge(url: url, limit: maxBodyBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw SCIMClientError.tooLarge(url: url, limit: maxBodyBytes)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout].contains(error) {
            throw SCIMClientError(.timeout, "the service provider stopped sending within \(timeout.text)", url: url)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw SCIMClientError(.unreachable, "the connection broke while reading the answer: \(error)", url: url)
        }
        return SCIMHTTPResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer.readableBytesView))
    }
}

extension SCIMClientError {
    static func tooLarge(url: String, limit: Int) -> SCIMClientError {
        SCIMClientError(
            .bodyTooLarge, "the service provider's answer is larger than the \(limit / 1024) KiB limit", url: url)
    }
}

extension Duration {
    /// Whole milliseconds.
    // bounded: durations Roster configures, not ones it is sent
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// "30 s", "250 ms": how a limit is written in a message.
    var text: String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
