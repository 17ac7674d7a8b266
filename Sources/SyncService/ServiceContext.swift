import JSONRPC
import Logging
import SyncStore

/// What every method handler gets: the database, the session (lifecycle, notifications), a
/// logger, and the partner-matching index (built on first use, rebuilt when customers' fields
/// change).
public final class ServiceContext {
    public let database: AppDatabase
    public let session: Session
    public let logger: Logger
    let matchCache = MatchCache()

    public init(database: AppDatabase, session: Session, logger: Logger = Logger(label: "customer-sync")) {
        self.database = database
        self.session = session
        self.logger = logger
    }
}

/// A method of this service.
public protocol SyncMethod: RPCMethod where Context == ServiceContext {}
