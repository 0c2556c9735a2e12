import Hummingbird
import Logging

/// One log line per request: method, path, status and duration, with the request id the context's
/// logger carries. The query is left out: it holds activation tokens and what people searched for.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        func log(_ status: Int) {
            let elapsed = ContinuousClock.now - started
            context.logger.log(
                level: level, "Request",
                metadata: [
                    "hb.request.method": .string(request.method.rawValue),
                    "hb.request.path": .string(request.uri.path), "http.status": .stringConvertible(status),
                    "duration_ms": .stringConvertible(
                        elapsed.components.seconds * 1000  // bounded: how long this request took
                            + elapsed.components.attoseconds / 1_000_000_000_000_000),
                ])
        }
        do {
            let response = try await next(request, context)
            log(Int(response.status.code))
            return response
        } catch let error as HTTPResponseError {
            log(Int(error.status.code))
            throw error
        } catch {
            log(500)
            throw error
        }
    }
}
