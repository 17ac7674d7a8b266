import JSONRPC
import Logging
import SyncCore
import SyncImport
import SyncStore

/// What every method handler gets: the database, the session (lifecycle, notifications), a
/// logger, the partner-matching index (built on first use, rebuilt when customers' fields
/// change), and the connection to an accounting system (made from the stored one on first use).
public final class ServiceContext {
    public let database: AppDatabase
    public let session: Session
    public let logger: Logger
    let matchCache = MatchCache()
    let connections: ConnectionManager
    /// The most an imported register may hold (`--max-file-bytes` and the like).
    public let limits: ImportLimits
    /// Where imports and exports may touch files (`--files-root`).
    public let files: FileAccess
    /// Indexes new customers for search after bulk writes, off the request's thread.
    let searchIndexer: SearchIndexer
    /// One round with the accounting system at a time, in this process and among processes.
    let rounds: RoundLock
    /// The rounds the server runs on its own (`setAutoSync`).
    let autoSync: AutoSync

    /// `keyFile`: where the key that seals the connection's tokens is kept (default:
    /// `TokenVault.defaultKeyFile()`, outside the database). `systems`: the accounting systems
    /// `connect` offers (the executable gives e-conomic and Dinero).
    public init(database: AppDatabase, session: Session, logger: Logger = Registry.quietLogger, keyFile: String? = nil,
                limits: ImportLimits = .standard, files: FileAccess = .unconfined, systems: [any RemoteSystem] = []) {
        self.database = database
        self.session = session
        self.logger = logger
        self.limits = limits
        self.files = files
        searchIndexer = SearchIndexer(database: database, logger: logger)
        connections = ConnectionManager(vault: TokenVault(keyFile: keyFile ?? TokenVault.defaultKeyFile()), systems: systems)
        rounds = RoundLock(databasePath: database.path)
        autoSync = AutoSync(database: database, session: session, logger: logger, lock: rounds)
        // Weak: a context dropped without `stopBackgroundWork` (a test's) ends its rounds.
        autoSync.round = { [weak self] full, request in
            guard let self else { throw CancellationError() }
            return try SyncRemote.run(full: full ? true : nil, context: self, request: request)
        }
    }

    deinit {
        autoSync.stop(patience: .zero)
    }
}

/// A method of this service.
public protocol SyncMethod: RPCMethod where Context == ServiceContext {}

extension ServiceContext {
    /// After a bulk write (`AppDatabase.bulkWrite`: an import, create-all), the WAL is
    /// checkpointed once the reply is out, so the client does not wait for it, and the new
    /// customers are indexed for search on the indexer's thread.
    func afterBulkWrite(_ request: RequestInfo) {
        let database = database, logger = logger, indexer = searchIndexer
        request.afterReply {
            do { try database.checkpoint() } catch { logger.warning("checkpoint after a bulk write failed: \(error)") }
            indexer.start()
        }
    }

    /// What a server does as it starts: indexes for search the customers a bulk write left
    /// unindexed (the process that made them ended first), and takes up automatic sync where
    /// the connection has it on.
    public func startBackgroundWork() {
        do {
            if try database.searchIndexBacklog(atLeast: 1) { searchIndexer.start() }
        } catch {
            logger.warning("search index: cannot read its backlog: \(error)")
        }
        do {
            try autoSync.resume()
        } catch {
            logger.warning("automatic sync: cannot read its schedule: \(error)")
        }
    }

    /// What a server does before it returns: stops the background work after the transaction
    /// in hand (an automatic round is cancelled, and waited for a moment).
    public func stopBackgroundWork() {
        autoSync.stop()
        searchIndexer.stop()
    }
}
