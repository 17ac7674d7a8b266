import JSONRPC
import Logging
import SyncStore

/// What every method handler gets: the database, the session (lifecycle, notifications) and a logger.
public final class ServiceContext {
    public let database: AppDatabase
    public let session: Session
    public let logger: Logger

    public init(database: AppDatabase, session: Session, logger: Logger = Logger(label: "customer-sync")) {
        self.database = database
        self.session = session
        self.logger = logger
    }
}

/// A method of this service.
public protocol SyncMethod: RPCMethod where Context == ServiceContext {}
