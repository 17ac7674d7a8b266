import JSONRPC
import SyncCore
import SyncImport
import Logging
import SyncStore

/// Every method the service answers. `protocol/openrpc.json` must name the same ones (a test checks).
public enum Registry {
    public static var methods: [any SyncMethod.Type] {
        [
            // Lifecycle
            Initialize.self, Ping.self, Shutdown.self, Exit.self, Discover.self,
            // Import and the sync window's lists
            ImportCustomers.self, Status.self, ListUnsynced.self, ListLinks.self, ListExcluded.self,
            GetCustomer.self, GetLink.self,
            // Partners, conflicts, exclusion
            CreatePartner.self, CreateAllPartners.self, SelectPartner.self, ResolveConflict.self, Unlink.self,
            DisableSync.self, EnableSync.self,
            // Ongoing sync
            UpdateCustomer.self, DeleteCustomer.self, ResolveDeletion.self, ExportCustomers.self, History.self,
            // Partner suggestions
            SuggestPartners.self, ListSuggestions.self, AcceptSuggestions.self,
            // The API connection to the accounting system
            Connect.self, Disconnect.self, ConnectionStatus.self, PullRemote.self, PushRemote.self, SyncRemote.self, SetAutoSync.self,
        ]
    }

    /// The logger of a service made without one (tests, the bench): warnings and worse only,
    /// so a passing test run is not a wall of info lines. The executable passes its own, at the
    /// level of `--log-level`.
    public static var quietLogger: Logger {
        var logger = Logger(label: "customer-sync")
        logger.logLevel = .warning
        return logger
    }

    /// The router with every method registered.
    public static func router() -> Router<ServiceContext> {
        var router = Router<ServiceContext>()
        for method in methods { router.add(method) }
        return router
    }

    /// A connection serving `database`, ready for a transport.
    public static func connection(database: AppDatabase, logger: Logger = Registry.quietLogger, keyFile: String? = nil,
                                  limits: ImportLimits = .standard, batchLimits: BatchLimits = .standard,
                                  files: FileAccess = .unconfined, systems: [any RemoteSystem] = []) -> Connection<ServiceContext> {
        let session = Session(allowedAfterShutdown: [Exit.name])
        let context = ServiceContext(database: database, session: session, logger: logger, keyFile: keyFile, limits: limits, files: files,
                                     systems: systems)
        return Connection(router: router(), context: context, session: session, batchLimits: batchLimits, logger: logger)
    }
}

extension Router {
    /// Registers a method given as an existential metatype.
    mutating func add(_ method: any SyncMethod.Type) where Context == ServiceContext {
        func open<M: SyncMethod>(_ m: M.Type) { register(m) }
        open(method)
    }
}
