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

/// `JSONBody.encode` writes the document `JSONSerialization` writes (read back, written again
/// by `JSONSerialization`: the same bytes), with keys in byte order rather than its own: on
/// documents as a system sends them (parsed by `JSONSerialization`) and as a connector changes
/// them (Swift values put in).
@Suite("JSON bodies")
struct JSONBodyTests {
    static func serialization(_ json: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }

    static func roundTrip(_ json: [String: Any]) throws -> String {
        let written = try JSONBody.encode(json, what: "a test")
        return try serialization(try #require(JSONSerialization.jsonObject(with: written) as? [String: Any]))
    }

    @Test func asJSONSerializationWritesThem() throws {
        let documents = [
            #"{"a":true,"b":false,"c":1,"d":12.5,"e":10000,"f":null,"g":[1,"x",[],{}],"h":{"i":"ø\"\n/\u0001 🧹","Z":"z","a":"A"},"j":1e3,"k":-0.0001,"l":9007199254740993,"m":-42,"n":0}"#,
            #"{"customerNumber":10001,"name":"Kunde 1","currency":"DKK","customerGroup":{"customerGroupNumber":1},"balance":0.0,"creditLimit":5000.5,"barred":false,"self":"https://restapi.e-conomic.com/customers/10001"}"#,
        ]
        for text in documents {
            var json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(try Self.roundTrip(json) == (try Self.serialization(json)))
            json["name"] = "Ny \"navn\""
            json["attention"] = ["customerContactNumber": 7]
            json["flag"] = true
            json["limit"] = 12.25
            json["list"] = [1, "to", false] as [Any]
            #expect(try Self.roundTrip(json) == (try Self.serialization(json)))
        }
        // Byte for byte where the two orders agree (no capitals among the keys).
        let plain: [String: Any] = ["b": 1, "a": ["y": "z/", "x": false], "c": [1.5, "ø"] as [Any]]
        #expect(String(decoding: try JSONBody.encode(plain, what: "a test"), as: UTF8.self) == #"{"a":{"x":false,"y":"z/"},"b":1,"c":[1.5,"ø"]}"#)
    }

    @Test func aValueJSONCannotSayIsRefused() {
        #expect(throws: ConnectorError.self) { try JSONBody.encode(["x": Double.nan], what: "a test") }
        #expect(throws: ConnectorError.self) { try JSONBody.encode(["x": Date()], what: "a test") }
    }
}
