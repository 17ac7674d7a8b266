import ArgumentParser
import Foundation
import JSONRPC
import Logging
import SyncService
import SyncStore

@main
struct CustomerSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer-sync",
        abstract: "Keeps a local and a remote customer register in step, driven by JSON-RPC 2.0 on stdin/stdout.",
        discussion: """
            Reads JSON-RPC 2.0 messages on standard input and writes the replies on standard \
            output; nothing else is written there. Logs go to standard error. End of input \
            finishes the work in hand and exits 0. The protocol is in protocol/openrpc.json \
            (also answered by the method rpc.discover) and protocol/transport.md.
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
        "Log level on standard error: trace, debug, info, notice, warning, error or critical.",
        valueName: "level"))
    var logLevel: Logger.Level = .warning

    @Option(name: .long, help: ArgumentHelp(
        "The file holding the key that seals the accounting system's tokens in the database (made on first connect, mode 0600). Default: $CUSTOMER_SYNC_KEY_FILE, else $XDG_CONFIG_HOME/customer-sync/key (~/.config/customer-sync/key).",
        valueName: "path"))
    var keyFile: String?

    func validate() throws {
        guard maxMessageBytes > 0 else {
            throw ValidationError("--max-message-bytes must be a positive number of bytes")
        }
    }

    func run() throws {
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
            logger.critical("cannot open the database at \(db): \(error)")
            throw ExitCode(1)
        }
        logger.info("serving \(db)")
        let connection = Registry.connection(database: database, logger: logger, keyFile: keyFile)
        let server = StdioServer(connection: connection, mode: framing, maxMessageBytes: maxMessageBytes, logger: logger)
        server.run()
    }
}

extension FramingMode: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
