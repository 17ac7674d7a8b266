import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCClient

/// Deterministic register generator (SplitMix64), so every run measures the same files.
struct Generator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let firstWords = ["Bageriet", "Tømrer", "Café", "Fysioterapi", "Tandlægerne", "Kontorhuset", "Advokatfirmaet", "Æblegården", "Skolen", "Malerfirma",
                             "Vinduespudser", "Gartneriet", "Klinik", "Restaurant", "Revisionsfirma", "Børnehaven", "Autoværksted", "Frisør", "Blomsterhandel", "Elektriker"]
    static let secondWords = ["Ørsted", "Nielsen", "Møllen", "Nord", "Syd", "Vest", "Øst", "Havblik", "Søen", "Åen", "Jensen", "Hansen", "Kjær", "Bakken", "Skoven", "Torvet"]
    static let forms = ["ApS", "A/S", "I/S", "IVS", "", ""]
    static let streets = ["Østergade", "Nørregade", "Vestergade", "Søndergade", "Skovvej", "Møllevej", "Åvej", "Industrivej", "Strandvejen", "Kirkevej"]
    static let cities: [(String, String)] = [("8000", "Aarhus C"), ("5000", "Odense C"), ("9000", "Aalborg"), ("7100", "Vejle"), ("1264", "København K"),
                                             ("4000", "Roskilde"), ("6000", "Kolding"), ("8600", "Silkeborg"), ("3400", "Hillerød"), ("2800", "Kongens Lyngby")]

    /// A valid CVR (modulus 11) near `seed`.
    static func cvr(_ seed: Int) -> String {
        var n = 20_000_000 + (seed * 7919) % 70_000_000
        let w = [2, 7, 6, 5, 4, 3, 2, 1]
        while true {
            let d = String(n).compactMap(\.wholeNumberValue)
            if zip(d, w).reduce(0, { $0 + $1.0 * $1.1 }) % 11 == 0 { return String(n) }
            n += 1
        }
    }

    /// A register of `count` customers numbered from `firstNumber`, as a `;` CSV with Danish headers.
    mutating func registerCSV(count: Int, firstNumber: Int) -> String {
        var out = "Kundenr.;Navn;Adresse;Postnr.;By;Land;CVR;E-mail;Telefon;Att.;Noter\n"
        out.reserveCapacity(count * 120)
        for i in 0..<count {
            let name = "\(pick(Self.firstWords)) \(pick(Self.secondWords)) \(i) \(pick(Self.forms))".trimmingCharacters(in: .whitespaces)
            let (zip, city) = pick(Self.cities)
            let cvr = below(2) == 0 ? Self.cvr(i) : ""
            let phone = String(format: "%02d %02d %02d %02d", 20 + below(80), below(100), below(100), below(100))
            let email = "kunde\(firstNumber + i)@example.dk"
            out += "\(firstNumber + i);\(name);\(pick(Self.streets)) \(1 + below(200));\(zip);\(city);DK;\(cvr);\(email);\(phone);Kontakt \(i);\"Note; nr. \(i)\"\n"
        }
        return out
    }
}

struct WorkflowBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Generates N customers per side and times import, listUnsynced paging and createAllPartners through the server."
    )

    @Option(help: "Path of the customer-sync binary (default: next to this one).")
    var server: String?
    @Option(help: "Customers per side.")
    var customers: Int = 100_000
    @Option(help: "The server's --log-level (info shows where import time goes).")
    var logLevel: String = "warning"
    @Option(help: "Page size for the listUnsynced walk.")
    var pageSize: Int = 50

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("customer-sync-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = Generator(state: 42)
        let remoteFile = dir.appendingPathComponent("remote.csv")
        let localFile = dir.appendingPathComponent("local.csv")
        try generator.registerCSV(count: customers, firstNumber: 1).write(to: remoteFile, atomically: true, encoding: .utf8)
        try generator.registerCSV(count: customers, firstNumber: 500_001).write(to: localFile, atomically: true, encoding: .utf8)
        let size = (try FileManager.default.attributesOfItem(atPath: remoteFile.path)[.size] as? Int) ?? 0
        print("customers per side: \(customers); CSV \(size / 1024) KiB per side")

        let db = dir.appendingPathComponent("bench.sqlite").path
        let p = try ChildProcess(executable: serverPath(server), arguments: ["--db", db, "--log-level", logLevel], framing: .ndjson)
        defer {
            p.closeInput()
            p.waitForExit()
        }
        let clock = ContinuousClock()
        var id = 0
        func call(_ method: String, _ params: String) throws -> (JSONValue, Double) {
            id += 1
            let start = clock.now
            p.send(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8))
            var reply: JSONValue
            repeat {  // skip $/progress notifications
                guard let body = p.receive(timeout: .seconds(600)) else { throw ValidationError("no reply to \(method)") }
                reply = try JSONValue.parse(body)
            } while reply["id"] == nil
            let elapsed = nanoseconds(clock.now - start) / 1e6
            if let error = reply["error"] { throw ValidationError("\(method) failed: \(error.jsonText)") }
            return (reply["result"] ?? .null, elapsed)
        }

        let (imported, importMs) = try call("importCustomers", #"{"side":"remote","path":"\#(remoteFile.path)"}"#)
        print(String(format: "importCustomers remote, %d rows: %.0f ms (%@)", customers, importMs, imported.jsonText))
        if let sqliteMs = sqliteImportMilliseconds(remoteFile, dir: dir) {
            print(String(format: "sqlite3 .import of the same file: %.0f ms; ratio %.2f×", sqliteMs, importMs / sqliteMs))
        } else {
            print("sqlite3 .import: sqlite3 not found, no comparison")
        }
        let (_, localMs) = try call("importCustomers", #"{"side":"local","path":"\#(localFile.path)"}"#)
        print(String(format: "importCustomers local, %d rows: %.0f ms", customers, localMs))
        let (_, reimportMs) = try call("importCustomers", #"{"side":"remote","path":"\#(remoteFile.path)"}"#)
        print(String(format: "importCustomers remote again (all unchanged): %.0f ms", reimportMs))

        // Walk every page of listUnsynced on the remote side.
        var pageTimes: [Double] = []
        var cursor: String?
        repeat {
            let params = cursor.map { #"{"side":"remote","limit":\#(pageSize),"cursor":"\#($0)"}"# } ?? #"{"side":"remote","limit":\#(pageSize)}"#
            let (page, ms) = try call("listUnsynced", params)
            pageTimes.append(ms)
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        pageTimes.sort()
        func pct(_ q: Double) -> Double { pageTimes[min(pageTimes.count - 1, Int(Double(pageTimes.count) * q))] }
        print(String(format: "listUnsynced, %d pages of %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms", pageTimes.count, pageSize, pct(0.5), pct(0.99), pageTimes.last!))
        let (_, queryMs) = try call("listUnsynced", #"{"query":"møllen 4","limit":50}"#)
        print(String(format: "listUnsynced with query over %d customers: %.2f ms", 2 * customers, queryMs))

        let (dry, dryMs) = try call("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"dryRun":true}"#)
        print(String(format: "createAllPartners local keep, dry run: %.0f ms (created %@)", dryMs, dry["created"]?.jsonText ?? "?"))
        let (created, createMs) = try call("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"progressToken":"bench"}"#)
        print(String(format: "createAllPartners local keep: %.0f ms (created %@)", createMs, created["created"]?.jsonText ?? "?"))
        let (_, statusMs) = try call("status", "{}")
        print(String(format: "status: %.2f ms", statusMs))

        // Ongoing sync: export the remote side, change 1 % of the rows in the file, read it back.
        let exportFile = dir.appendingPathComponent("remote-export.csv")
        let (exported, exportMs) = try call("exportCustomers", #"{"path":"\#(exportFile.path)"}"#)
        print(String(format: "exportCustomers remote, %@ rows: %.0f ms", exported["written"]?.jsonText ?? "?", exportMs))
        var lines = try String(contentsOf: exportFile, encoding: .utf8).components(separatedBy: "\r\n")
        var changed = 0
        for i in stride(from: 1, to: lines.count - 1, by: 100) {
            // The contact column is the last synced one; a new contact person in the accounts.
            var cells = lines[i].components(separatedBy: ";")
            guard cells.count > 10 else { continue }
            cells[10] = "Ny kontakt \(i)"
            lines[i] = cells.joined(separator: ";")
            changed += 1
        }
        try lines.joined(separator: "\r\n").write(to: exportFile, atomically: true, encoding: .utf8)
        let (reread, rereadMs) = try call("importCustomers", #"{"path":"\#(exportFile.path)"}"#)
        print(String(format: "importCustomers with %d of the rows changed (each reaching its local partner): %.0f ms (%@)", changed, rereadMs, reread.jsonText))

        var historyTimes: [Double] = []
        var historyCursor: String?
        for _ in 0..<200 {
            let params = historyCursor.map { #"{"limit":50,"cursor":"\#($0)"}"# } ?? #"{"limit":50}"#
            let (page, ms) = try call("history", params)
            historyTimes.append(ms)
            historyCursor = page["nextCursor"]?.stringValue
            if historyCursor == nil { break }
        }
        let (_, customerHistoryMs) = try call("history", #"{"customerId":"c1","limit":50}"#)
        historyTimes.sort()
        print(String(format: "history, %d pages of 50: p50 %.2f ms, max %.2f ms; one customer's history %.2f ms",
                     historyTimes.count, historyTimes[historyTimes.count / 2], historyTimes.last!, customerHistoryMs))
    }

    /// Times `sqlite3 :memory: .import` of the same file into a fresh table (nil without sqlite3).
    func sqliteImportMilliseconds(_ file: URL, dir: URL) -> Double? {
        let candidates = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"]
        guard let sqlite = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sqlite)
        process.arguments = [dir.appendingPathComponent("plain.sqlite").path, "-cmd", ".mode csv", "-cmd", ".separator ;", ".import \(file.path) customer"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let clock = ContinuousClock()
        let start = clock.now
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return nanoseconds(clock.now - start) / 1e6
    }
}
