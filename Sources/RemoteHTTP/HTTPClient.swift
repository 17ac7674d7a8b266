import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore

/// How a connector talks HTTP to its system: what every connector shares, so each says only
/// what its system documents (its headers, its limits) and none writes retries again.
///
/// - **Retries within a budget**: a 429, a 5xx (500, 502, 503, 504) or no reply is tried again
///   with exponential backoff and jitter, honouring `Retry-After` given as seconds or as an
///   HTTP date, until `retryBudget` seconds have passed for that call; then `unavailable`.
/// - **Pacing**: with `rateLimit` (Dinero: 100 requests a minute per organisation) a request
///   waits for its turn rather than meet a 429; the time spent so is counted.
/// - **https only**, plain http for loopback (a test's fake, a local proxy).
/// - **No redirects followed**: credentials travel in headers, and a redirect must not carry
///   them to another host; a 3xx answer is returned as the answer, for the connector to
///   report.
///
/// Foundation's `URLSession` (libcurl on Linux), used synchronously: a connector runs on the
/// server's worker thread, one request at a time, and AsyncHTTPClient would add SwiftNIO and
/// minutes to every clean build for nothing this needs.
public final class HTTPClient: @unchecked Sendable {
    // Unchecked: the session is thread-safe, `policy` and `baseURL` are constants, and the
    // mutable state (counters, the pacing window) sits behind `lock`.

    public struct Policy: Sendable {
        /// Seconds to wait for one reply.
        public var timeout: Double = 30
        /// Seconds one call may spend on retries before it gives up (`unavailable`).
        public var retryBudget: Double = 120
        /// The first wait between attempts, doubled each time, at most `maxBackoff`.
        public var retryBase: Double = 0.25
        public var maxBackoff: Double = 8
        /// At most this many requests in any `per` seconds (nil: no pacing).
        public var rateLimit: (requests: Int, per: Double)?
        /// Attempts of one call that get no reply at all before it gives up, whatever is left
        /// of the budget (a system that is not there does not come back in a minute).
        public var noReplyAttempts = 6

        public init(timeout: Double = 30, retryBudget: Double = 120, retryBase: Double = 0.25, rateLimit: (requests: Int, per: Double)? = nil) {
            self.timeout = timeout
            self.retryBudget = retryBudget
            self.retryBase = retryBase
            self.rateLimit = rateLimit
        }
    }

    /// One exchange: a status, headers and a body, or why there was none.
    public enum Exchange: Sendable {
        case answered(status: Int, body: Data, headers: [String: String])
        /// No reply: a timeout, a refused or dropped connection. For a write, it may have landed.
        case noReply(String)
    }

    /// What answered, after every retry.
    public struct Answer: Sendable {
        public var status: Int
        public var body: Data
        public var headers: [String: String]

        public init(status: Int, body: Data, headers: [String: String]) {
            self.status = status
            self.body = body
            self.headers = headers
        }

        /// The JSON object of the body, if it is one.
        public var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    public let baseURL: URL
    /// The system's name, for messages ("Dinero did not answer …").
    public let system: String
    public let policy: Policy
    private let session: URLSession
    private let lock = NSLock()
    private var requests = 0
    private var pacedSeconds = 0.0
    private var retryAfterSeconds = 0.0
    private var sent: [ContinuousClock.Instant] = []

    /// Whether `url` may be talked to (`RemoteURL.isAllowed`).
    public static func isAllowed(_ url: URL) -> Bool { RemoteURL.isAllowed(url) }

    public init(baseURL: URL, system: String, headers: [String: String] = [:], policy: Policy = Policy()) {
        self.baseURL = baseURL
        self.system = system
        self.policy = policy
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = policy.timeout
        configuration.timeoutIntervalForResource = policy.timeout * 4
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        var all = headers
        all["Accept"] = all["Accept"] ?? "application/json"
        // No `Expect: 100-continue` round trip before a body (libcurl's habit above 1 KiB).
        all["Expect"] = ""
        configuration.httpAdditionalHeaders = all
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit { session.invalidateAndCancel() }

    /// Requests sent so far (every attempt counts).
    public var requestCount: Int { lock.withLock { requests } }
    /// Seconds spent waiting for a turn under `rateLimit`, and waiting as `Retry-After` said.
    public var waited: (pacing: Double, retryAfter: Double) { lock.withLock { (pacedSeconds, retryAfterSeconds) } }

    /// Sends one request, once (after its turn under the rate limit). `url` overrides the
    /// base URL and path (a token endpoint elsewhere).
    public func exchange(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
                         contentType: String = "application/json", headers: [String: String] = [:], url: URL? = nil) -> Exchange {
        var components = URLComponents(url: url ?? baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = (components.queryItems ?? []) + query }
        // `$` and `:` in a filter stay as written; `+` must not read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let target = components.url, Self.isAllowed(target) else {
            return .noReply("\(components.url?.absoluteString ?? path) is not https (plain http is for this machine only)")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        pace()
        let box = ExchangeBox()
        let task = session.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
                box.set(.answered(status: http.statusCode, body: data ?? Data(), headers: headers))
            } else {
                box.set(.noReply(error.map { ($0 as NSError).localizedDescription } ?? "no reply"))
            }
        }
        task.resume()
        return box.wait()
    }

    /// Sends a request that may be repeated safely (GET, a PUT of a whole object, a token
    /// request), retrying what is worth retrying within the budget; returns the final answer,
    /// or `unavailable` when none came. `prepare` runs before each attempt (a fresh token).
    public func idempotent(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
                           contentType: String = "application/json", url: URL? = nil,
                           headers: () throws(ConnectorError) -> [String: String] = { [:] }) throws(ConnectorError) -> Answer {
        let started = ContinuousClock.now
        var attempt = 0
        var silent = 0
        var lastProblem = ""
        attempts: while true {
            let extra = try headers()
            switch exchange(method, path, query: query, body: body, contentType: contentType, headers: extra, url: url) {
            case .answered(let status, let data, let headers):
                guard Self.isTransient(status) else { return Answer(status: status, body: data, headers: headers) }
                lastProblem = "\(system) answered \(status)"
                guard wait(attempt, retryAfter: Self.retryAfter(headers["retry-after"]), since: started) else { break attempts }
            case .noReply(let reason):
                lastProblem = reason
                silent += 1
                // Nothing there at all (refused, unreachable): a few tries, not the whole budget.
                guard silent < policy.noReplyAttempts, wait(attempt, retryAfter: nil, since: started) else { break attempts }
            }
            attempt += 1
        }
        throw ConnectorError(.unavailable, "\(system) did not answer \(method) /\(path) after \(attempt + 1) attempt(s): \(lastProblem)")
    }

    public static func isTransient(_ status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3), in seconds from now.
    public static func retryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        if let date = date(value) { return max(0, date.timeIntervalSinceNow) }
        for format in ["EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return max(0, date.timeIntervalSinceNow) }
        }
        return nil
    }

    /// An HTTP date (a `Date` header), or nil.
    public static func date(_ value: String?) -> Date? {
        guard let value else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value)
    }

    /// Waits before attempt `attempt + 1`: `Retry-After` when given, else exponential from
    /// `retryBase` with jitter; false when that wait would pass the budget (give up now).
    public func wait(_ attempt: Int, retryAfter: Double?, since started: ContinuousClock.Instant) -> Bool {
        let backoff = min(policy.maxBackoff, policy.retryBase * pow(2, Double(attempt))) * Double.random(in: 0.75...1.25)
        let delay = retryAfter ?? backoff
        let spent = ContinuousClock.now - started
        let spentSeconds = Double(spent.components.seconds) + Double(spent.components.attoseconds) / 1e18
        guard spentSeconds + delay <= policy.retryBudget else { return false }
        if let retryAfter { lock.withLock { retryAfterSeconds += retryAfter } }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        return true
    }

    /// Waits for a turn under the rate limit: at most `requests` in any `per` seconds.
    func pace() {
        guard let limit = policy.rateLimit else {
            lock.withLock { requests += 1 }
            return
        }
        while true {
            let now = ContinuousClock.now
            // A quarter second more than the system's window: its clock sees each request a
            // little after ours sent it, and a request exactly at the edge met a 429 (eight in
            // a push of 1,000 to the fake Dinero before this margin).
            let window = Duration.milliseconds(Int(limit.per * 1000) + 250)
            let delay: Duration? = lock.withLock {
                sent.removeAll { now - $0 >= window }
                if sent.count < limit.requests {
                    sent.append(now)
                    requests += 1
                    return nil
                }
                return window - (now - sent[0])
            }
            guard let delay else { return }
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            lock.withLock { pacedSeconds += seconds }
            Thread.sleep(forTimeInterval: seconds)
        }
    }
}

/// Refuses every redirect: the 3xx comes back as the answer, and no header (a token) goes on.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // Unchecked: it holds no state (NSObject is not Sendable, the delegate is).
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// Where the completion handler leaves its result for the waiting thread.
private final class ExchangeBox: @unchecked Sendable {
    // Unchecked: written once before `done` is signalled, read once after it is waited for.
    private let done = DispatchSemaphore(value: 0)
    private var result: HTTPClient.Exchange?

    func set(_ value: HTTPClient.Exchange) {
        result = value
        done.signal()
    }

    func wait() -> HTTPClient.Exchange {
        done.wait()
        return result!
    }
}
