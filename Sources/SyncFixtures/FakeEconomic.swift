import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSONRPC

/// `Tests/Fixtures/fake_economic.py` on loopback: the e-conomic API as documented, with test
/// controls (seed, faults, stats) under `/__fake/`. Spawned by the end-to-end tests and by
/// `customer-sync-bench economic`.
public final class FakeEconomic {
    public static let appSecret = "test-app-secret"
    public static let grant = "test-grant"
    /// The script in this repository.
    public static let script = LoopbackFake.fixture("fake_economic.py")

    public let server: LoopbackFake
    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }

    /// `port`: where to listen (0: any free one); a fake started again on the port of one that
    /// stopped is the same system coming back.
    public init(script: String = FakeEconomic.script, port: Int = 0) throws {
        server = try LoopbackFake(script: script, port: port, arguments: ["--app-secret", Self.appSecret, "--grant", Self.grant, "--revoked", "revoked-grant",
                                                              "--read-only", "read-only-grant"],
                                  headers: ["X-AppSecretToken": Self.appSecret, "X-AgreementGrantToken": Self.grant])
    }

    /// Ends the fake at once.
    public func stop() { server.stop() }

    /// The params of `connect` for this fake.
    public func connectParams(secret: String = FakeEconomic.appSecret, grant: String = FakeEconomic.grant, timeout: Double? = nil,
                       baseUrl: String? = nil, defaults: JSONValue = ["currency": "DKK", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1]) -> JSONValue {
        var params: [String: JSONValue] = [
            "system": "e-conomic", "baseUrl": .string(baseUrl ?? baseURL), "appSecretToken": .string(secret), "agreementGrantToken": .string(grant),
            "defaults": defaults,
        ]
        if let timeout { params["timeout"] = .number(String(timeout)) }
        return .object(params)
    }

    @discardableResult
    public func control(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue {
        try server.control(method, path, body)
    }

    public func seed(_ customers: [JSONValue]) throws { try control("POST", "/__fake/customers", .array(customers)) }
    public func faults(_ faults: [JSONValue]) throws { try control("POST", "/__fake/faults", .array(faults)) }
    public func stats() throws -> JSONValue { try control("GET", "/__fake/stats") }
    public func touch(_ number: Int, _ fields: JSONValue) throws { try control("POST", "/__fake/touch", ["number": .int(number), "fields": fields]) }

    /// Every customer the fake holds, by number.
    public func customers() throws -> [String: JSONValue] {
        guard case .array(let items) = try control("GET", "/__fake/customers") else { return [:] }
        var out: [String: JSONValue] = [:]
        for item in items { if let n = item["customerNumber"]?.intValue { out[String(n)] = item } }
        return out
    }

    /// `count` customers as real agreements hold them, numbered from 1, one kind in turn:
    /// a Danish customer with a valid CVR; a CVR that fails modulus 11 with the country in
    /// English; a Swedish and a German VAT number; two invoice addresses in one e-mail field
    /// (separated by a space, as e-conomic documents); a 180-character name; an EAN with a
    /// wrong check digit; the country as a code; Norway in English; a country no one knows.
    /// Kinds 1, 5, 6 and 9 break a rule of the local register, the rest none
    /// (`Benchmarks/as_held.py` writes the same register).
    public static func asAgreementsHoldThem(_ count: Int) -> [JSONValue] {
        (1...max(1, count)).map { n in
            let name = "Kunde \(n)"
            switch n % 10 {
            case 0: return customer(n, name, extra: ["corporateIdentificationNumber": "25043235", "country": "Danmark"])
            case 1: return customer(n, name, extra: ["corporateIdentificationNumber": "12345678", "country": "Denmark"])
            case 2: return customer(n, name, extra: ["corporateIdentificationNumber": "SE556677889901", "country": "Sverige"])
            case 3: return customer(n, name, extra: ["corporateIdentificationNumber": "DE123456789", "country": "Tyskland"])
            case 4: return customer(n, name, extra: ["email": .string("faktura\(n)@firma.dk bogholderi@firma.dk")])
            case 5: return customer(n, name + " " + String(repeating: "x", count: 180 - name.count - 1))
            case 6: return customer(n, name, extra: ["ean": "5790001527526"])
            case 7: return customer(n, name, extra: ["country": "DK", "email": .string("kunde\(n)@firma.dk")])
            case 8: return customer(n, name, extra: ["country": "Norway"])
            default: return customer(n, name, extra: ["country": "Atlantis"])
            }
        }
    }

    /// A customer as e-conomic would hold it, with what a new one needs.
    public static func customer(_ number: Int, _ name: String, extra: [String: JSONValue] = [:]) -> JSONValue {
        var c: [String: JSONValue] = [
            "customerNumber": .int(number), "name": .string(name), "currency": "DKK",
            "customerGroup": ["customerGroupNumber": 1], "paymentTerms": ["paymentTermsNumber": 2], "vatZone": ["vatZoneNumber": 1],
        ]
        for (k, v) in extra { c[k] = v }
        return .object(c)
    }
}

/// A fake API (a Python script of `Tests/Fixtures/`) on loopback: spawned on a free port,
/// driven through its `/__fake/` controls, killed when done.
public final class LoopbackFake: @unchecked Sendable {
    // Unchecked: `process` is started once in `init` and only stopped after.
    public let process = Process()
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Headers sent with every control request (an API path may want its tokens).
    let headers: [String: String]

    /// `Tests/Fixtures/NAME` of this repository.
    public static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/\(name)").path
    }

    public init(script: String, port: Int = 0, arguments: [String], headers: [String: String] = [:]) throws {
        self.headers = headers
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--port", String(port)] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line is "port N".
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw FakeEconomicError("the fake did not start (\(script))") }
            line += chunk
        }
        guard let text = String(data: line, encoding: .utf8), let port = Int(text.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw FakeEconomicError("the fake said \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
    }

    deinit { stop() }

    /// Ends the fake at once. SIGKILL, not SIGTERM: a process spawned from a test's thread
    /// inherits that thread's blocked signals.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @discardableResult
    public func control(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.jsonText.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            done.signal()
        }.resume()
        done.wait()
        guard let data = result else { throw FakeEconomicError("the fake did not answer \(method) \(path)") }
        return data.isEmpty ? .null : try JSONValue.parse(Array(data))
    }
}

public struct FakeEconomicError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
