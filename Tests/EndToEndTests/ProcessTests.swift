import Foundation
import JSONRPC
import JSONRPCClient
import TestSupport
import Testing

/// The binary as a process: exit statuses, stdout hygiene, flushing, flags, the database file.
@Suite("Process behaviour")
struct ProcessTests {
    func spawn(_ args: [String] = ["--db", ":memory:"], framing: Framing = .ndjson, captureStderr: Bool = false) throws -> ChildProcess {
        try ChildProcess(executable: Paths.serverBinary, arguments: args, framing: framing, captureStderr: captureStderr)
    }

    func ping(_ id: Int) -> [UInt8] { Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#.utf8) }

    @Test func endOfInputExitsZero() throws {
        let p = try spawn()
        p.send(ping(1))
        #expect(p.receive() != nil)
        p.closeInput()
        #expect(p.waitForExit() == 0)
    }

    @Test func endOfInputAnswersWhatWasSent() throws {
        // Everything written before stdin closes is answered before the process exits.
        let p = try spawn()
        var all: [UInt8] = []
        for i in 0..<500 { all += Framing.ndjson.frame(ping(i)) }
        p.sendRaw(all)
        p.closeInput()
        #expect(p.waitForExit() == 0)
        let out = p.remainingOutput()
        let lines = out.split(separator: 0x0A)
        #expect(lines.count == 500)
    }

    @Test func stdoutCarriesOnlyProtocolBytesEvenWhenLoggingEverything() throws {
        let p = try spawn(["--db", ":memory:", "--log-level", "trace"], captureStderr: true)
        p.sendRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\nnot json\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"fail\"}\n".utf8))
        p.closeInput()
        #expect(p.waitForExit() == 0)
        let out = p.remainingOutput()
        let lines = out.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty, "three replies, each ending in a newline")
        for line in lines.dropLast() {
            let reply = try JSONValue.parse(line)
            #expect(reply["jsonrpc"] == "2.0")
        }
        #expect(!p.stderrText().isEmpty, "the logs went to stderr")
    }

    @Test func pipelinedRequestsAreAllAnswered() throws {
        let p = try spawn()
        var all: [UInt8] = []
        let count = 20_000
        for i in 0..<count { all += Framing.ndjson.frame(ping(i)) }
        let writer = Thread { [all] in p.sendRaw(all) }
        writer.start()
        for i in 0..<count {
            let reply = try JSONValue.parse(try #require(p.receive(timeout: .seconds(30)), "reply \(i)"))
            #expect(reply["id"] == .int(i))
        }
        p.closeInput()
        #expect(p.waitForExit() == 0)
    }

    @Test func aWaitingClientNeverHangsInEitherFraming() throws {
        for framing in Framing.allCases {
            let p = try spawn(["--db", ":memory:", "--framing", framing.rawValue], framing: framing)
            for i in 0..<200 {
                p.send(ping(i))
                let reply = try #require(p.receive(timeout: .seconds(10)), "reply \(i) in \(framing)")
                #expect(try JSONValue.parse(reply)["id"] == .int(i))
            }
            p.closeInput()
            #expect(p.waitForExit() == 0)
        }
    }

    @Test func autoFramingAnswersEachMessageInItsOwnFraming() throws {
        let p = try spawn()
        let body = ping(1)
        p.sendRaw(Framing.contentLength.frame(body) + Framing.ndjson.frame(ping(2)) + Framing.contentLength.frame(ping(3)))
        p.closeInput()
        #expect(p.waitForExit() == 0)
        let out = String(decoding: p.remainingOutput(), as: UTF8.self)
        let r1 = #"{"jsonrpc":"2.0","id":1,"result":{}}"#
        let r2 = #"{"jsonrpc":"2.0","id":2,"result":{}}"#
        let r3 = #"{"jsonrpc":"2.0","id":3,"result":{}}"#
        #expect(out == "Content-Length: \(r1.utf8.count)\r\n\r\n\(r1)\(r2)\nContent-Length: \(r3.utf8.count)\r\n\r\n\(r3)")
    }

    @Test func oversizeContentLengthBodyIsSkippedAndTheSessionGoesOn() throws {
        let p = try spawn(["--db", ":memory:", "--max-message-bytes", "1000"], framing: .contentLength)
        let big = Array(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 5000) + Array(#""}}"#.utf8)
        p.send(big)
        let error = try JSONValue.parse(try #require(p.receive()))
        #expect(error["error"]?["data"]?["kind"] == "MessageTooLarge")
        #expect(error["id"] == .null)
        p.send(ping(2))
        #expect(try JSONValue.parse(try #require(p.receive()))["id"] == 2)
        p.closeInput()
        #expect(p.waitForExit() == 0)
    }

    @Test func unreadableHeaderIsAnsweredAndTheReaderResyncs() throws {
        let p = try spawn(["--db", ":memory:", "--framing", "content-length"], framing: .contentLength)
        p.sendRaw(Array("Content-Lenght: 5\r\n\r\nhello".utf8))
        let error = try JSONValue.parse(try #require(p.receive()))
        #expect(error["error"]?["code"] == -32700)
        p.send(ping(2))
        #expect(try JSONValue.parse(try #require(p.receive()))["id"] == 2)
        p.closeInput()
        #expect(p.waitForExit() == 0)
    }

    @Test func exitNotificationEndsTheProcessWithZero() throws {
        let p = try spawn()
        p.send(Array(#"{"jsonrpc":"2.0","method":"exit"}"#.utf8))
        #expect(p.waitForExit() == 0)
    }

    /// An import runs on the worker: `ping` is answered while it runs, and `$/cancelRequest`
    /// ends it with -32800 and nothing imported.
    @Test func aLongImportCanBePingedAndCancelled() throws {
        let p = try spawn()
        let rows = (1...150_000).map { "\($0);Kunde \($0);Vej \($0);5000;Odense C" }.joined(separator: "\\n")
        p.send(Array(#"{"jsonrpc":"2.0","id":"import","method":"importCustomers","params":{"content":"Kundenr.;Navn;Adresse;Postnr.;By\n\#(rows)\n"}}"#.utf8))
        p.send(ping(1))
        #expect(try JSONValue.parse(try #require(p.receive()))["id"] == 1, "ping is answered before the import")
        p.send(Array(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"import"}}"#.utf8))
        let reply = try JSONValue.parse(try #require(p.receive(timeout: .seconds(60))))
        #expect(reply["id"] == "import")
        #expect(reply["error"]?["code"] == -32800)
        #expect(reply["error"]?["data"]?["kind"] == "RequestCancelled")
        p.send(Array(#"{"jsonrpc":"2.0","id":2,"method":"status","params":{}}"#.utf8))
        #expect(try JSONValue.parse(try #require(p.receive()))["result"]?["remote"]?["total"] == 0)
        p.closeInput()
        #expect(p.waitForExit() == 0)
    }

    @Test func helpExplainsEveryFlag() throws {
        let p = try spawn(["--help"])
        p.closeInput()
        #expect(p.waitForExit() == 0)
        let help = String(decoding: p.remainingOutput(), as: UTF8.self)
        for flag in ["--db", "--framing", "--max-message-bytes", "--log-level", "--version"] {
            #expect(help.contains(flag), "--help mentions \(flag)")
        }
    }

    @Test func badFlagsExitWithUsageStatus() throws {
        for args in [["--framing", "xml"], ["--max-message-bytes", "0"], ["--log-level", "loud"], ["--no-such-flag"]] {
            let p = try spawn(args, captureStderr: true)
            p.closeInput()
            #expect(p.waitForExit() == 64, "\(args)")
            #expect(!p.stderrText().isEmpty)
        }
    }

    @Test func unopenableDatabaseExitsOneWithAMessage() throws {
        let p = try spawn(["--db", "/proc/no-such-dir/x.sqlite"], captureStderr: true)
        p.closeInput()
        #expect(p.waitForExit() == 1)
        #expect(p.stderrText().contains("cannot open the database"))
    }

    /// A new file another process holds locked: the server gives up within its busy timeout
    /// (5 s) and says why. It had retried its opening and its migration five times each, the
    /// busy timeout every time: about two minutes without a word.
    @Test func aLockedNewDatabaseFailsWithinTheBusyTimeout() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("locked.sqlite").path
        let holder = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN EXCLUSIVE")
            print('{"locked":true}', flush=True)
            time.sleep(60)
            """, path], framing: .ndjson)
        defer { kill(holder.process.processIdentifier, SIGKILL) }
        #expect(holder.receive(timeout: .seconds(20)) != nil)
        let started = ContinuousClock.now
        let p = try spawn(["--db", path], captureStderr: true)
        p.closeInput()
        #expect(p.waitForExit() == 1)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(p.stderrText().contains("another process holds it locked"))
    }

    @Test func databaseFileIsCreatedInWALMode() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("register.sqlite").path
        let p = try spawn(["--db", path])
        p.send(ping(1))
        #expect(p.receive() != nil)
        p.closeInput()
        #expect(p.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: path))
        let header = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 20)
        // SQLite header bytes 18 and 19 are 2 in WAL mode.
        #expect(Array(header.prefix(16)) == Array("SQLite format 3\0".utf8))
        #expect(header[18] == 2 && header[19] == 2)
    }

    @Test func defaultDatabaseIsInTheWorkingDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.serverBinary)
        process.currentDirectoryURL = dir
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("customer-sync.sqlite").path))
    }
}

/// The register as a file shared over time and between processes.
@Suite("Persistence")
struct PersistenceTests {
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func run(_ db: String, _ requests: [String], flags: [String] = []) throws -> [JSONValue] {
        let p = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", db] + flags, framing: .ndjson)
        var replies: [JSONValue] = []
        for (i, r) in requests.enumerated() {
            p.send(Array(#"{"jsonrpc":"2.0","id":\#(i),\#(r)}"#.utf8))
            replies.append(try JSONValue.parse(try #require(p.receive())))
        }
        p.closeInput()
        #expect(p.waitForExit() == 0)
        return replies
    }

    @Test func whatOneProcessWroteTheNextOneLists() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("register.sqlite").path
        let first = try run(db, [
            #""method":"importCustomers","params":{"side":"local","content":"Kundenr.;Navn\n1;Æble ApS\n2;Pære I/S\n"}"#,
            #""method":"createPartner","params":{"customerId":"c1"}"#,
        ])
        #expect(first[0]["result"]?["added"] == 2)
        #expect(first[1]["result"]?["state"] == "synced")
        let second = try run(db, [
            #""method":"listUnsynced","params":{}"#,
            #""method":"listLinks","params":{}"#,
            #""method":"status","params":{}"#,
        ])
        #expect(second[0]["result"]?["items"]?.arrayCount == 1)
        #expect(second[0]["result"]?["items"]?[0]?["name"] == "Pære I/S")
        #expect(second[1]["result"]?["items"]?[0]?["remote"]?["name"] == "Æble ApS")
        #expect(second[2]["result"]?["local"]?["synced"] == 1)
    }

    @Test func twoProcessesShareOneFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("shared.sqlite").path
        let a = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", db], framing: .ndjson)
        let b = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", db], framing: .ndjson)
        a.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"importCustomers","params":{"content":"Kundenr.;Navn\n7;Syv\n"}}"#.utf8))
        #expect(try JSONValue.parse(try #require(a.receive()))["result"]?["added"] == 1)
        b.send(Array(#"{"jsonrpc":"2.0","id":1,"method":"listUnsynced","params":{"side":"remote"}}"#.utf8))
        #expect(try JSONValue.parse(try #require(b.receive()))["result"]?["total"] == 1)
        for p in [a, b] {
            p.closeInput()
            #expect(p.waitForExit() == 0)
        }
    }

    @Test func importingFromAFIFOIsRefusedWithoutBlocking() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reply = try run(":memory:", [#""method":"importCustomers","params":{"path":"\#(fifo)"}"#])
        #expect(reply[0]["error"]?["data"]?["kind"] == "ImportRejected")
        #expect(reply[0]["error"]?["data"]?["errors"]?[0]?["field"] == "path")
    }

    /// `--files-root`: a relative path is taken from the root, and neither `..`, an absolute
    /// path nor a link leads out, for an import or an export.
    @Test func filesRootConfinesImportsAndExports() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "Kundenr.;Navn\n1;Inde\n".write(toFile: root + "/in.csv", atomically: true, encoding: .utf8)
        try "Kundenr.;Navn\n1;Hemmelig\n".write(toFile: dir.path + "/secret.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/link.csv", withDestinationPath: dir.path + "/secret.csv")
        let replies = try run(":memory:", [
            #""method":"importCustomers","params":{"path":"in.csv"}"#,
            #""method":"importCustomers","params":{"path":"../secret.csv"}"#,
            #""method":"importCustomers","params":{"path":"\#(dir.path)/secret.csv"}"#,
            #""method":"importCustomers","params":{"path":"link.csv"}"#,
            #""method":"exportCustomers","params":{"path":"../out.csv"}"#,
            #""method":"exportCustomers","params":{"path":"out.csv"}"#,
        ], flags: ["--files-root", root])
        #expect(replies[0]["result"]?["added"] == 1)
        for i in 1...4 {
            #expect(replies[i]["error"]?["code"] == -32602, "request \(i)")
            #expect(replies[i]["error"]?["data"]?["path"] == "path")
        }
        #expect(replies[5]["result"]?["written"] == 1)
        #expect(FileManager.default.fileExists(atPath: root + "/out.csv"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/out.csv"))
    }

    /// A path switched between a file and a FIFO while imports run: the server opens first and
    /// checks what it opened, so it never blocks on the FIFO (it had blocked for ever when it
    /// checked the path and then opened it).
    @Test func aPathSwitchedToAFIFOCannotBlockTheServer() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("register.csv").path
        let file = dir.appendingPathComponent("file.csv").path
        let fifo = dir.appendingPathComponent("fifo.csv").path
        try "Kundenr.;Navn\n1;A\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(mkfifo(fifo, 0o600) == 0)
        let stop = CancellationFlagBox()
        let switcher = Thread {
            var toFifo = true
            while !stop.isSet {
                // rename(2) swaps the path atomically, between any two calls of the server.
                _ = link(toFifo ? fifo : file, path + ".new")
                _ = rename(path + ".new", path)
                toFifo.toggle()
            }
        }
        try "Kundenr.;Navn\n1;A\n".write(toFile: path, atomically: true, encoding: .utf8)
        switcher.start()
        defer { stop.set() }
        let p = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", ":memory:"], framing: .ndjson)
        var answered = 0
        for i in 0..<100 {
            p.send(Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"importCustomers","params":{"path":"\#(path)","format":"csv"}}"#.utf8))
            guard let reply = p.receive(timeout: .seconds(10)) else { break }
            let value = try JSONValue.parse(reply)
            #expect(value["result"] != nil || value["error"]?["data"]?["kind"] == "ImportRejected")
            answered += 1
        }
        stop.set()
        #expect(answered == 100, "the server stopped answering after \(answered) imports")
        if answered < 100 { kill(p.process.processIdentifier, SIGKILL) }  // blocked on the FIFO
        p.closeInput()
        _ = p.waitForExit()
    }

    @Test func importingAnUnreadableFileIsRejected() throws {
        guard getuid() != 0 else { return }  // root reads everything
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("secret.csv").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("Kundenr.;Navn\n1;A\n".utf8), attributes: [.posixPermissions: 0]))
        let reply = try run(":memory:", [#""method":"importCustomers","params":{"path":"\#(file)"}"#])
        #expect(reply[0]["error"]?["data"]?["kind"] == "ImportRejected")
    }

    /// A file the system stops writing half way (here a file-size limit, as a full disk
    /// would) is `WriteFailed` naming the reason; the server goes on, and the rows stay
    /// pending for the next export.
    @Test func anExportTheSystemCutsShortIsWriteFailed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.csv").path
        // One 512-byte block at most; SIGXFSZ ignored, so write() returns EFBIG instead.
        let p = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" --db :memory:", Paths.serverBinary],
                                 framing: .ndjson)
        let rows = (1...100).map { "\($0);Kunde nummer \($0) med et langt navn" }.joined(separator: "\\n")
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"importCustomers","params":{"side":"local","content":"Kundenr.;Navn\n\#(rows)\n"}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"createAllPartners","params":{"side":"local","numbering":{"mode":"keep"}}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"exportCustomers","params":{"path":"\#(out)","onlyPending":true}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"status","params":{}}"#,
        ]
        var replies: [JSONValue] = []
        for r in requests {
            p.send(Array(r.utf8))
            replies.append(try JSONValue.parse(try #require(p.receive())))
        }
        p.closeInput()
        #expect(p.waitForExit() == 0)
        #expect(replies[1]["result"]?["created"] == 100)
        #expect(replies[2]["error"]?["code"] == 1011)
        #expect(replies[2]["error"]?["data"]?["errno"] == "EFBIG")
        #expect(replies[2]["error"]?["data"]?["path"] == .string(out))
        #expect(replies[3]["result"]?["remote"]?["synced"] == 100)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "the temporary file is removed")
    }

    @Test func importingFromAPathFindsTheFormatByExtension() throws {
        let examples = Paths.protocolDirectory.appendingPathComponent("examples")
        let reply = try run(":memory:", [
            #""method":"importCustomers","params":{"side":"local","path":"\#(examples.appendingPathComponent("local-customers.csv").path)"}"#,
            #""method":"importCustomers","params":{"path":"\#(examples.appendingPathComponent("remote-customers.xlsx").path)"}"#,
            #""method":"importCustomers","params":{"path":"\#(examples.appendingPathComponent("remote-customers.csv").path)"}"#,
        ])
        #expect(reply[0]["result"]?["added"] == 12)
        #expect(reply[1]["result"]?["added"] == 11)
        #expect(reply[2]["result"]?["unchanged"] == 11)
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}

@Suite("Concurrent start")
struct ConcurrentStartTests {
    @Test func processesStartingTogetherOnANewFileAllServe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("new.sqlite").path
        for _ in 0..<5 {
            try? FileManager.default.removeItem(atPath: db)
            let processes = try (0..<4).map { _ in try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", db], framing: .ndjson) }
            for (i, p) in processes.enumerated() {
                p.send(Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"status"}"#.utf8))
            }
            for p in processes {
                let reply = try JSONValue.parse(try #require(p.receive(timeout: .seconds(20)), "a process did not answer"))
                #expect(reply["result"] != nil)
                p.closeInput()
                #expect(p.waitForExit() == 0)
            }
        }
    }
}

/// A flag threads can read and set.
final class CancellationFlagBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
