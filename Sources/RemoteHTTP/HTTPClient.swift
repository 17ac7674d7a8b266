import CCurl
import Foundation
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
/// libcurl's easy interface (`CurlHandle`), used synchronously: a connector runs on one thread,
/// one request at a time, and the handle keeps its connection between requests. Foundation's
/// `URLSession` (libcurl too, on Linux) cost 1.8 ms of CPU a pushed customer, most of it in
/// handing each request between its dispatch threads (Benchmarks/README.md, `push.py`);
/// AsyncHTTPClient would add SwiftNIO and minutes to every clean build.
public final class HTTPClient: @unchecked Sendable {
    // Unchecked: the handle is used under its own lock, `policy` and `baseURL` are constants,
    // and the mutable state (counters, the pacing window) sits behind `lock`.

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
    private let handle: CurlHandle
    private let headers: [String: String]
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
        var all = headers
        all["Accept"] = all["Accept"] ?? "application/json"
        self.headers = all
        handle = CurlHandle()
    }

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
        var all = self.headers
        for (name, value) in headers { all[name] = value }
        if body != nil { all["Content-Type"] = contentType }
        pace()
        return handle.perform(method: method, url: target.absoluteString, headers: all, body: body, timeout: policy.timeout)
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

/// One libcurl easy handle: its connection (and TLS session) kept from one request to the next,
/// used by one request at a time. No redirect is followed (libcurl's default: the 3xx is the
/// answer), only http and https are spoken, and no `Expect: 100-continue` round trip precedes
/// a body.
final class CurlHandle: @unchecked Sendable {
    // Unchecked: `easy` is only touched under `lock`, and libcurl's easy handle may move
    // between threads as long as one uses it at a time.
    private let easy: UnsafeMutableRawPointer
    private let lock = NSLock()

    private static let global: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init() {
        _ = Self.global
        easy = curl_easy_init()!
    }

    deinit { curl_easy_cleanup(easy) }

    /// What a reply brings in while libcurl reads it.
    private final class Reply {
        var body = Data()
        var headers: [String: String] = [:]

        /// One header line as libcurl hands it over (with its CRLF); a status line starts a
        /// new reply (after a 100 Continue). Names lower-cased, values without the blanks
        /// around them.
        func header(_ line: UnsafeRawBufferPointer) {
            if line.starts(with: "HTTP/".utf8) {
                headers = [:]
                return
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            func trimmed(_ part: Slice<UnsafeRawBufferPointer>) -> String {
                let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
                guard let first = part.firstIndex(where: { !blank($0) }), let last = part.lastIndex(where: { !blank($0) }) else { return "" }
                return String(decoding: part[first...last], as: UTF8.self)
            }
            headers[trimmed(line[..<colon]).lowercased()] = trimmed(line[(colon + 1)...])
        }
    }

    func perform(method: String, url: String, headers: [String: String], body: Data?, timeout: Double) -> HTTPClient.Exchange {
        lock.lock()
        defer { lock.unlock() }
        // Options back to their defaults; the connection stays open.
        curl_easy_reset(easy)
        let reply = Reply()
        let context = Unmanaged.passUnretained(reply).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = url.withCString { urlText in
            method.withCString { methodText in
                errorText.withUnsafeMutableBufferPointer { errorBuffer in
                    let bytes = body ?? Data()
                    return bytes.withUnsafeBytes { raw in
                        ccurl_setopt_pointer(easy, CURLOPT_URL, urlText)
                        ccurl_setopt_pointer(easy, CURLOPT_PROTOCOLS_STR, "http,https")
                        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
                        ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
                        ccurl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
                        ccurl_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)
                        ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress)
                        ccurl_setopt_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                            let reply = Unmanaged<Reply>.fromOpaque(context!).takeUnretainedValue()
                            if let data { reply.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
                            return size * count
                        }
                        ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
                        ccurl_setopt_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                            let reply = Unmanaged<Reply>.fromOpaque(context!).takeUnretainedValue()
                            reply.header(UnsafeRawBufferPointer(start: data, count: size * count))
                            return size * count
                        }
                        ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
                        switch method {
                        case "GET": ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1)
                        case "HEAD": ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
                        default: ccurl_setopt_pointer(easy, CURLOPT_CUSTOMREQUEST, methodText)
                        }
                        if body != nil || method == "POST" || method == "PUT" {
                            // The body as given (an empty one too), sent from our buffer.
                            ccurl_setopt_long(easy, CURLOPT_POSTFIELDSIZE, raw.count)
                            ccurl_setopt_pointer(easy, CURLOPT_POSTFIELDS, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                        }
                        return curl_easy_perform(easy)
                    }
                }
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .noReply(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return .answered(status: status, body: reply.body, headers: reply.headers)
    }
}
