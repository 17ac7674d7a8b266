import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore

/// HTTP to e-conomic's REST API: the two token headers on every request, JSON bodies, and
/// retries with backoff for what e-conomic says is worth retrying (429, honouring
/// `Retry-After`; 500, 502, 503, 504; a timeout or a dropped connection).
///
/// Foundation's `URLSession` (libcurl on Linux), used synchronously: the connector runs on
/// the server's worker thread, one request at a time, and AsyncHTTPClient would add SwiftNIO
/// and minutes to every clean build for nothing this needs (a few keep-alive requests in a
/// row to one host).
final class EconomicHTTP: @unchecked Sendable {
    let baseURL: URL
    let settings: EconomicSettings
    private let session: URLSession
    private let counter = RequestCounter()

    init(settings: EconomicSettings) {
        self.settings = settings
        baseURL = settings.baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.timeoutIntervalForResource = settings.timeout * 4
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.urlCache = nil
        configuration.httpAdditionalHeaders = [
            "X-AppSecretToken": settings.appSecretToken,
            "X-AgreementGrantToken": settings.agreementGrantToken,
            "Accept": "application/json",
            // No `Expect: 100-continue` round trip before a body (libcurl's habit above 1 KiB).
            "Expect": "",
        ]
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// Requests sent so far (every attempt counts).
    var requestCount: Int { counter.value }

    /// One exchange: a status and a body, or why there was none.
    enum Exchange {
        case answered(status: Int, body: Data, retryAfter: Double?)
        /// No reply: a timeout, a refused or dropped connection. For a write, it may have landed.
        case noReply(String)
    }

    /// Sends one request, once.
    func exchange(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) -> Exchange {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        // `$` and `:` in a filter stay as e-conomic documents them; `+` must not read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        counter.increment()
        let box = ExchangeBox()
        let task = session.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                let retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
                box.set(.answered(status: http.statusCode, body: data ?? Data(), retryAfter: retryAfter))
            } else {
                box.set(.noReply(error.map { ($0 as NSError).localizedDescription } ?? "no reply"))
            }
        }
        task.resume()
        return box.wait()
    }

    /// Sends a request that may be repeated safely (GET, PUT of a whole customer), retrying
    /// what is worth retrying; returns the final answer, or `unavailable` when none came.
    func idempotent(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) throws(ConnectorError) -> (status: Int, body: Data) {
        var lastProblem = ""
        for attempt in 0...settings.retries {
            switch exchange(method, path, query: query, body: body) {
            case .answered(let status, let data, let retryAfter):
                guard Self.isTransient(status) else { return (status, data) }
                lastProblem = "e-conomic answered \(status)"
                if attempt < settings.retries { backoff(attempt, retryAfter: retryAfter) }
            case .noReply(let reason):
                lastProblem = reason
                if attempt < settings.retries { backoff(attempt, retryAfter: nil) }
            }
        }
        throw ConnectorError(.unavailable, "e-conomic did not answer \(method) \(path) after \(settings.retries + 1) attempts: \(lastProblem)")
    }

    static func isTransient(_ status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// Waits before attempt `attempt + 1`: `Retry-After` when given (at most a minute), else
    /// exponential from `retryBase` with jitter, at most 8 s.
    func backoff(_ attempt: Int, retryAfter: Double?) {
        let delay = retryAfter.map { min($0, 60) } ?? min(8, settings.retryBase * pow(2, Double(attempt))) * Double.random(in: 0.75...1.25)
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
    }
}

/// Where the completion handler leaves its result for the waiting thread.
private final class ExchangeBox: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: EconomicHTTP.Exchange?

    func set(_ value: EconomicHTTP.Exchange) {
        result = value
        done.signal()
    }

    func wait() -> EconomicHTTP.Exchange {
        done.wait()
        return result!
    }
}

private final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
