import Foundation

/// Where things are when tests run.
public enum Paths {
    /// The package root (this file is Tests/TestSupport/Paths.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var protocolDirectory: URL { packageRoot.appendingPathComponent("protocol") }

    /// The built `customer-sync` binary: `$CUSTOMER_SYNC_BIN`, else next to the test bundle
    /// (swift-argument-parser's `AssertExecuteCommand` finds executables the same way).
    public static var serverBinary: String {
        if let path = ProcessInfo.processInfo.environment["CUSTOMER_SYNC_BIN"] { return path }
        var dir = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dir = bundle.bundleURL.deletingLastPathComponent()
        }
        let candidate = dir.appendingPathComponent("customer-sync")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        // swift-testing runs the bundle binary itself: look next to it.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("customer-sync")
        return beside.path
    }
}
