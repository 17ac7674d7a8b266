import ArgumentParser
import DineroConnector
import EconomicConnector
import Foundation
import JSONRPC
import Logging
import SyncCore
import SyncImport
import SyncService
import SyncStore

/// `customer-sync sync …` runs one round with the accounting system from a shell; anything
/// else is the server. Dispatched here rather than as ArgumentParser subcommands, so that the
/// server's flags stay at the top level and in its `--help`.
@main
enum Main {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "sync" {
            SyncCommand.main(Array(arguments.dropFirst()))
        } else {
            CustomerSync.main(arguments)
        }
    }
}

struct CustomerSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer-sync",
        abstract: "Keeps a local and a remote customer register in step, driven by JSON-RPC 2.0 on stdin/stdout.",
        discussion: """
            Reads JSON-RPC 2.0 messages on standard input and writes the replies on standard \
            output; nothing else is written there. Logs go to standard error. End of input \
            finishes the work in hand and exits 0. The protocol is in protocol/openrpc.json \
            (also answered by the method rpc.discover) and protocol/transport.md.

            `customer-sync sync --db PATH` runs one round with the connected accounting system \
            (a pull, then a push) and exits: for cron or a systemd timer (`customer-sync sync --help`).
            """,
        version: ServerIdentity.version
    )

    @Option(name: .long, help: ArgumentHelp(
        "The SQLite database file; created if missing. ':memory:' for a throwaway register.",
        valueName: "path"))
    var db: String = "customer-sync.sqlite"

    @Option(name: .long, help: ArgumentHelp(
        "Message framing: 'auto' picks per message by its first byte ('{' or '[': a line; 'C': headers), 'ndjson' forces one JSON text per line, 'content-length' forces LSP-style headers.",
        valueName: "mode"))
    var framing: FramingMode = .auto

    @Option(name: .long, help: ArgumentHelp(
        "The largest message accepted, in bytes; a larger one is answered with an error and skipped.",
        valueName: "bytes"))
    var maxMessageBytes: Int = 64 << 20

    @Option(name: .long, help: ArgumentHelp(
        "The most messages one batch may hold; a larger batch is answered with one error and none of it is run.",
        valueName: "count"))
    var maxBatch: Int = BatchLimits.standard.maxItems

    @Option(name: .long, help: ArgumentHelp(
        "The most bytes of replies one batch may collect; once past it, the batch's remaining requests are not run and are answered with an error.",
        valueName: "bytes"))
    var maxBatchReplyBytes: Int = BatchLimits.standard.maxReplyBytes

    @Option(name: .long, help: ArgumentHelp(
        "The largest register file (or content sent) importCustomers reads, in bytes.",
        valueName: "bytes"))
    var maxFileBytes: Int = ImportLimits.standard.fileBytes

    @Option(name: .long, help: ArgumentHelp(
        "The most records one imported register may hold.",
        valueName: "count"))
    var maxRows: Int = ImportLimits.standard.rows

    @Option(name: .long, help: ArgumentHelp(
        "The most columns an imported register may use.",
        valueName: "count"))
    var maxColumns: Int = ImportLimits.standard.columns

    @Option(name: .long, help: ArgumentHelp(
        "The longest text of one imported cell, in UTF-8 bytes.",
        valueName: "bytes"))
    var maxCellBytes: Int = ImportLimits.standard.cellBytes

    @Option(name: .long, help: ArgumentHelp(
        "The most one part of an XLSX or ODS file (a sheet, its shared strings) may inflate to, in bytes.",
        valueName: "bytes"))
    var maxPartBytes: Int = ImportLimits.standard.partBytes

    @Option(name: .long, help: ArgumentHelp(
        "Confine every file importCustomers and exportCustomers touch to this folder (relative paths are taken from it; links and '..' are resolved first).",
        valueName: "dir"))
    var filesRoot: String?

    @Option(name: .long, help: ArgumentHelp(
        "Log level on standard error: trace, debug, info, notice, warning, error or critical.",
        valueName: "level"))
    var logLevel: Logger.Level = .warning

    @Option(name: .long, help: ArgumentHelp(
        "The file holding the key that seals the accounting system's tokens in the database (made on first connect, mode 0600). Default: $CUSTOMER_SYNC_KEY_FILE, else $XDG_CONFIG_HOME/customer-sync/key (~/.config/customer-sync/key).",
        valueName: "path"))
    var keyFile: String?

    func validate() throws {
        for (flag, value) in [("--max-message-bytes", maxMessageBytes), ("--max-batch", maxBatch), ("--max-batch-reply-bytes", maxBatchReplyBytes),
                              ("--max-file-bytes", maxFileBytes), ("--max-rows", maxRows), ("--max-columns", maxColumns),
                              ("--max-cell-bytes", maxCellBytes), ("--max-part-bytes", maxPartBytes)] where value <= 0 {
            throw ValidationError("\(flag) must be a positive number")
        }
        guard maxColumns <= 16_384 else { throw ValidationError("--max-columns can be at most 16384 (XFD, the last column a spreadsheet has)") }
    }

    func run() throws {
        MallocArenas.oneACore()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "customer-sync")
        let database: AppDatabase
        do {
            database = try AppDatabase.open(path: db)
        } catch {
            if AppDatabase.isBusy(error) {
                logger.critical("cannot open the database at \(db): another process holds it locked; gave up after \(Int(AppDatabase.busyTimeout)) s")
            } else {
                logger.critical("cannot open the database at \(db): \(error)")
            }
            throw ExitCode(1)
        }
        let files: FileAccess
        do {
            files = try filesRoot.map { try FileAccess(root: $0) } ?? .unconfined
        } catch {
            logger.critical("--files-root: \(error)")
            throw ExitCode(1)
        }
        logger.info("serving \(db)")
        let limits = ImportLimits(fileBytes: maxFileBytes, rows: maxRows, columns: maxColumns, cellBytes: maxCellBytes, partBytes: maxPartBytes)
        let connection = Registry.connection(database: database, logger: logger, keyFile: keyFile, limits: limits,
                                             batchLimits: BatchLimits(maxItems: maxBatch, maxReplyBytes: maxBatchReplyBytes), files: files,
                                             systems: Self.systems)
        let server = StdioServer(connection: connection, mode: framing, maxMessageBytes: maxMessageBytes, logger: logger)
        connection.context.startBackgroundWork()
        server.run()
        connection.context.stopBackgroundWork()
    }
}

extension CustomerSync {
    /// The accounting systems `connect` offers: the one place that names them.
    static var systems: [any RemoteSystem] { [EconomicSystem(), DineroSystem()] }
}

extension FramingMode: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `customer-sync sync`: one round with the connected accounting system, from a shell.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer-sync sync",
        abstract: "One round with the connected accounting system: a pull, then a push.",
        discussion: """
            Prints a summary on standard output and exits 0; exits 1 with the reason on standard \
            error when the round fails (not connected, the system unreachable, the tokens refused). \
            The database is shared safely with a running server, as two servers share one file; \
            a round under way there (an automatic one) is waited for, at most --wait seconds.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The SQLite database file of the connection.", valueName: "path"))
    var db: String = "customer-sync.sqlite"

    @Option(name: .long, help: ArgumentHelp("The file holding the key that seals the tokens (as for the server).", valueName: "path"))
    var keyFile: String?

    @Flag(name: .long, help: "A full pull, which finds deletions.")
    var full = false

    @Option(name: .long, help: ArgumentHelp("How long to wait for a round already under way (a server's automatic sync) before giving up.", valueName: "seconds"))
    var wait: Int = 60

    @Option(name: .long, help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func run() throws {
        MallocArenas.oneACore()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "customer-sync")
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("customer-sync sync: \(message)\n".utf8))
            return ExitCode(1)
        }
        guard db != ":memory:" else { throw fail("--db must name a database file with a connection") }
        let database: AppDatabase
        do {
            database = try AppDatabase.open(path: db)
        } catch {
            throw fail(AppDatabase.isBusy(error) ? "the database at \(db) stayed locked by another process" : "cannot open the database at \(db): \(error)")
        }
        let connection = Registry.connection(database: database, logger: logger, keyFile: keyFile, systems: CustomerSync.systems)
        do {
            print(try SyncRemote.round(context: connection.context, full: full, patience: .seconds(max(0, wait))))
        } catch {
            throw fail("\(error)")
        }
    }
}
