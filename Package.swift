// swift-tools-version: 6.1
//
// customer-sync: keeps a local and a remote customer register in step, driven over
// JSON-RPC 2.0 on stdin/stdout. The target graph below is the architecture; see
// ARCHITECTURE.md. Dependencies point one way only:
//
//   customer-sync (executable) → SyncService → SyncStore  → SyncCore
//                                          ↘ SyncImport → SyncCore
//                                          ↘ JSONRPC (knows no customers)
//                  ↘ EconomicConnector, DineroConnector → RemoteHTTP → SyncCore (a system's wire format;
//                    no JSON-RPC, no SQL; the service knows them only as SyncCore's RemoteSystem)
//   customer-sync-bench, EndToEndTests → JSONRPCClient → JSONRPC (the client end; never in the server)
import Foundation
import PackageDescription

let package = Package(
    name: "customer-sync",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "customer-sync", targets: ["customer-sync"]),
        .executable(name: "customer-sync-bench", targets: ["customer-sync-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // The domain: customers, sides, fields, normalisation, numbering, sync rules, domain errors.
        // No JSON-RPC, no SQL.
        .target(name: "SyncCore"),

        // JSON text written by hand: the one string escaping and key order of the wire and of
        // the JSON the store keeps. Depends on nothing.
        .target(name: "JSONText"),

        // SQLite through GRDB: the database facade, migrations, queries. Every write is one transaction.
        .target(
            name: "SyncStore",
            dependencies: [
                "SyncCore",
                "JSONText",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API, for BulkStatement's hand-bound bulk inserts and the search
                // key's SQL functions (SearchKey).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // JSON-RPC 2.0: framing, envelope, dispatch, error codes, the stdio server loop.
        // Knows nothing of customers.
        .target(
            name: "JSONRPC",
            dependencies: ["JSONText", .product(name: "Logging", package: "swift-log")]
        ),

        // The client end of a spawned JSON-RPC server (pipes, framing, timeouts). Only the
        // benchmark and the tests link it: the server never spawns a server.
        .target(name: "JSONRPCClient", dependencies: ["JSONRPC"]),

        // Register files: CSV and XLSX readers, text decoding, column mapping, row validation.
        .target(
            name: "SyncImport",
            dependencies: [
                "SyncCore",
                "SystemZlib",
                // Writes the exported XLSX; reading is ZIPReader's.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),

        // HTTP as every connector talks it: retries within a time budget, Retry-After, pacing
        // under a rate limit, https only, no redirects (Foundation's URLSession: no extra
        // build cost).
        .target(name: "RemoteHTTP", dependencies: ["SyncCore", "JSONText", "CCurl"]),

        // The e-conomic REST API as a RemoteConnector (SyncCore): its wire format. Knows
        // nothing of JSON-RPC or of the database.
        .target(name: "EconomicConnector", dependencies: ["SyncCore", "RemoteHTTP"]),
        // Dinero's contacts API as a RemoteConnector: its token, its wire format, its pace.
        .target(name: "DineroConnector", dependencies: ["SyncCore", "RemoteHTTP"]),

        // libsodium (system library, `libsodium-dev`): the connection's tokens are stored
        // encrypted with a key kept outside the database.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // libcurl's easy interface, for RemoteHTTP: one handle a client, its connection kept.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // zlib, for reading workbooks' ZIP archives ourselves (SyncImport/ZIPReader.swift says why).
        .systemLibrary(name: "SystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's <malloc.h>, for `mallopt` (customer-sync/MallocArenas.swift says why).
        .systemLibrary(name: "CMalloc"),

        // The methods: one file per method, the registry, domain-to-wire error mapping.
        .target(
            name: "SyncService",
            dependencies: [
                "SyncCore",
                "SyncStore",
                "SyncImport",
                "JSONRPC",
                "CSodium",
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedOpenRPC"]
        ),

        // The thin executable: flags, logging, open the database, run the loop.
        .executableTarget(
            name: "customer-sync",
            dependencies: [
                "SyncService",
                "SyncCore",
                // The accounting systems `connect` offers, named here and nowhere else.
                "EconomicConnector",
                "DineroConnector",
                "SyncImport",
                "SyncStore",
                "JSONRPC",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Generated registers with a known true pairing, and the fake e-conomic launcher (bench, tests).
        .target(name: "SyncFixtures", dependencies: ["SyncCore", "JSONRPC"]),

        // Benchmark client: spawns the server and measures round trips.
        .executableTarget(
            name: "customer-sync-bench",
            dependencies: [
                "JSONRPC",
                "JSONRPCClient",
                "SyncCore",
                "SyncImport",
                "SyncStore",
                "SyncFixtures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Build-time tooling: embeds protocol/openrpc.json into SyncService, so `rpc.discover`
        // answers with the document the binary was built with.
        .executableTarget(name: "embed-resource"),
        .plugin(
            name: "EmbedOpenRPC",
            capability: .buildTool(),
            dependencies: ["embed-resource"],
            path: "Sources/EmbedOpenRPC"
        ),

        // Shared by the test targets: golden transcripts, JSON comparison, paths, and calling
        // a `Connection` in-process.
        .target(name: "TestSupport", dependencies: ["JSONRPC", "JSONRPCClient"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC"]),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore", "SyncFixtures"]),
        // The connectors and their HTTP, against the fakes on loopback where a server is needed.
        .testTarget(name: "ConnectorTests", dependencies: ["RemoteHTTP", "DineroConnector", "EconomicConnector", "SyncCore", "SyncFixtures"]),
        .testTarget(
            name: "SyncImportTests",
            dependencies: ["SyncImport", "SyncCore", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(
            name: "SyncStoreTests",
            dependencies: ["SyncStore", "SyncCore", "SyncImport", "SyncFixtures", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "SyncServiceTests",
            dependencies: ["SyncService", "SyncStore", "SyncCore", "SyncImport", "JSONRPC", "TestSupport", "EconomicConnector"]
        ),
        // Spawns the built binary: depends on it so `swift test` builds it first.
        .testTarget(name: "EndToEndTests", dependencies: ["customer-sync", "JSONRPC", "JSONRPCClient", "TestSupport", "SyncFixtures", "SyncStore",
                                                    .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)

// libFuzzer targets (Fuzz/README.md): only when Fuzz/run asks for them, since they are built
// with `-sanitize=fuzzer,address` and have no main of their own (libFuzzer's is linked in).
if ProcessInfo.processInfo.environment["CUSTOMER_SYNC_FUZZ"] != nil {
    let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
    package.targets += [
        .target(name: "FuzzSupport", path: "Fuzz/Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-framing", dependencies: ["JSONRPC", "FuzzSupport"], path: "Fuzz/Sources/fuzz-framing", swiftSettings: fuzzFlags),
        .executableTarget(name: "fuzz-csv", dependencies: ["SyncImport", "SyncCore", "FuzzSupport"], path: "Fuzz/Sources/fuzz-csv", swiftSettings: fuzzFlags),
        .executableTarget(name: "fuzz-xlsx", dependencies: ["SyncImport", "SyncCore", "FuzzSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                          path: "Fuzz/Sources/fuzz-xlsx", swiftSettings: fuzzFlags),
    ]
    package.products += ["fuzz-framing", "fuzz-csv", "fuzz-xlsx"].map { .executable(name: $0, targets: [$0]) }
}
