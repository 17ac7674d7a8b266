import Foundation
@testable import DineroConnector
@testable import RemoteHTTP
import SyncCore
import SyncFixtures
import Testing

/// What every connector's HTTP does: Retry-After in both of its forms, https only, pacing
/// under a rate limit, and no redirect followed.
@Suite("Connector HTTP")
struct HTTPClientTests {
    @Test func retryAfterIsReadAsSecondsOrAsAnHTTPDate() throws {
        #expect(HTTPClient.retryAfter("120") == 120)
        #expect(HTTPClient.retryAfter(" 0 ") == 0)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let inAMinute = try #require(HTTPClient.retryAfter(formatter.string(from: Date().addingTimeInterval(60))))
        #expect((55...61).contains(inAMinute))
        #expect(HTTPClient.retryAfter(formatter.string(from: Date().addingTimeInterval(-60))) == 0, "a date gone by: at once")
        #expect(HTTPClient.retryAfter("soon") == nil)
        #expect(HTTPClient.retryAfter(nil) == nil)
    }

    @Test func credentialsGoOverHTTPSOrToThisMachineOnly() {
        #expect(RemoteURL.isAllowed(URL(string: "https://api.dinero.dk")!))
        #expect(RemoteURL.isAllowed(URL(string: "http://127.0.0.1:8080")!))
        #expect(RemoteURL.isAllowed(URL(string: "http://localhost/x")!))
        #expect(!RemoteURL.isAllowed(URL(string: "http://api.dinero.dk")!))
        #expect(!RemoteURL.isAllowed(URL(string: "ftp://api.dinero.dk")!))
        let client = HTTPClient(baseURL: URL(string: "http://example.com")!, system: "test")
        guard case .noReply(let reason) = client.exchange("GET", "x") else { Issue.record("sent over plain http"); return }
        #expect(reason.contains("not https"))
    }

    @Test func requestsArePacedUnderTheRateLimit() {
        // Nothing listens on port 9 of this machine: each exchange ends at once, paced.
        let client = HTTPClient(baseURL: URL(string: "http://127.0.0.1:9")!, system: "test",
                                policy: .init(timeout: 1, rateLimit: (requests: 2, per: 0.5)))
        for _ in 0..<5 { _ = client.exchange("GET", "x") }
        #expect(client.requestCount == 5)
        #expect(client.waited.pacing > 0, "the third and fifth waited for their turn")
    }

    @Test func aRedirectIsNotFollowed() throws {
        let fake = try FakeDinero()
        defer { fake.stop() }
        let client = HTTPClient(baseURL: URL(string: fake.baseURL)!, system: "test", headers: ["Authorization": "Bearer secret"])
        guard case .answered(let status, _, let headers) = client.exchange("GET", "__fake/redirect") else {
            Issue.record("no answer")
            return
        }
        #expect(status == 302, "the redirect is the answer; the token goes nowhere else")
        #expect(headers["location"]?.contains("elsewhere") == true)
    }

    @Test func dinerosRefusalsAreReadInItsWords() {
        let body = #"{"code": 0, "message": "Validation failed.", "validationErrors": {"Name": "Name is required.", "CountryKey": "CountryKey must be a two-letter country key."}}"#
        let refused = DineroConnector.failure(HTTPClient.Answer(status: 400, body: Data(body.utf8), headers: [:]), "POST /contacts")
        #expect(refused.kind == .rejected)
        #expect(refused.fields == ["CountryKey", "Name"])
        #expect(refused.message.contains("Name: Name is required."))
        let noPro = DineroConnector.failure(HTTPClient.Answer(status: 403, body: Data(#"{"code": 48, "message": "No Pro"}"#.utf8), headers: [:]), "GET /contacts")
        #expect(noPro.kind == .unauthorized)
        #expect(noPro.message.contains("Dinero Pro"))
    }
}
