import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `importCustomers`: reads a register (CSV or XLSX) from a path or from bytes and imports it
/// into one side in one transaction. Spec: protocol/openrpc.json#importCustomers.
public enum ImportCustomers: SyncMethod {
    public static let name = "importCustomers"
    /// Runs on the worker (`ping` is answered meanwhile) and can be cancelled with
    /// `$/cancelRequest`: then nothing was imported.
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, path, content, contentBase64, format, sheet, skipInvalid, mode, allowMassDelete, dryRun }
        var side: Side?
        var path: String?
        var content: String?
        var contentBase64: String?
        var format: RegisterFile.Format?
        var sheet: String?
        var skipInvalid: Bool?
        var mode: RegisterIntake.Mode?
        var allowMassDelete: Bool?
        var dryRun: Bool?
    }

    /// A column of the file and what it was read as: a field's name, `number`, `addressLine`,
    /// `zipCity`, or null (kept with the customer under its header).
    public struct ReadColumn: Encodable, Sendable {
        var header: String
        var field: String?

        enum CodingKeys: String, CodingKey { case header, field }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(header, forKey: .header)
            try c.encode(field, forKey: .field)
        }
    }

    /// Which register the file looks like it comes from, and why (`RegisterGuess`).
    public struct LooksLike: Encodable, Sendable {
        var side: Side
        var reason: RegisterGuess.Reason
    }

    public struct Result: Encodable, Sendable {
        var added: Int
        var updated: Int
        var unchanged: Int
        /// With mode `replace`: customers the file no longer has.
        var deleted: Int
        var rejected: [RowError]
        /// Present when the reader had to guess (an encoding that is neither UTF-8 nor
        /// plausibly Windows-1252 or Mac Roman): what to check.
        var warnings: [String]?
        /// A dry run's preview, absent otherwise: nothing was changed; the columns as read,
        /// the register the header looks like (null: nothing tells), and who a replace deletes.
        var dryRun: Bool?
        var columns: [ReadColumn]?
        var looksLike: LooksLike??
        var wouldDelete: [DeletedCustomer]?

        enum CodingKeys: String, CodingKey { case added, updated, unchanged, deleted, rejected, warnings, dryRun, columns, looksLike, wouldDelete }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(added, forKey: .added)
            try c.encode(updated, forKey: .updated)
            try c.encode(unchanged, forKey: .unchanged)
            try c.encode(deleted, forKey: .deleted)
            try c.encode(rejected, forKey: .rejected)
            try c.encodeIfPresent(warnings, forKey: .warnings)
            try c.encodeIfPresent(dryRun, forKey: .dryRun)
            try c.encodeIfPresent(columns, forKey: .columns)
            if let looksLike { try c.encode(looksLike, forKey: .looksLike) }
            try c.encodeIfPresent(wouldDelete, forKey: .wouldDelete)
        }
    }

    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        let side = p.side ?? .remote
        let given = [p.path != nil, p.content != nil, p.contentBase64 != nil].filter { $0 }.count
        guard given == 1 else {
            throw RPCError.invalidParams(given == 0 ? "give one of path, content or contentBase64" : "give only one of path, content or contentBase64",
                                         path: given == 0 ? "path" : "content")
        }
        let (bytes, format) = try source(p, context: context)
        let started = ContinuousClock.now
        defer { context.afterBulkWrite(request) }
        let dryRun = p.dryRun ?? false
        let intake = RegisterIntake(database: context.database, side: side, mode: p.mode ?? .merge, skipInvalid: p.skipInvalid ?? false,
                                    cancellation: request.cancellation, allowMassDelete: p.allowMassDelete ?? false,
                                    commit: !dryRun)
        let done = try intake.run(try RegisterIntake.file(bytes, format: format, side: side, sheet: p.sheet, limits: context.limits, database: context.database))
        let c = done.counts
        context.logger.info("\(dryRun ? "dry run of an import into" : "imported") \(side.rawValue) register: \(c.added) added, \(c.updated) updated, \(c.unchanged) unchanged, \(done.rejected.count) invalid fields, in \(ContinuousClock.now - started) (the reader took \(done.readTime))")
        var result = Result(added: c.added, updated: c.updated, unchanged: c.unchanged, deleted: c.deleted, rejected: done.rejected,
                            warnings: done.warnings.isEmpty ? nil : done.warnings)
        if dryRun {
            result.dryRun = true
            result.columns = zip(done.header, done.columns).map { ReadColumn(header: $0, field: $1.wireName) }
            result.looksLike = .some(RegisterGuess.guess(header: done.header, lastHeaders: try context.database.lastHeaders())
                .map { LooksLike(side: $0.side, reason: $0.reason) })
            if p.mode == .replace { result.wouldDelete = c.deletedCustomers }
        } else if !done.header.isEmpty {
            // What the next file is compared with (a failure here loses only the guess).
            do { try context.database.noteHeader(side: side, header: done.header) } catch {
                context.logger.warning("could not note the file's header: \(error)")
            }
        }
        return result
    }

    /// The bytes to import and the format, when the params or the file name say it.
    static func source(_ p: Params, context: ServiceContext) throws -> ([UInt8], RegisterFile.Format?) {
        if let content = p.content { return (Array(content.utf8), p.format ?? .csv) }
        if let encoded = p.contentBase64 {
            // Line breaks (MIME-style base64) are allowed; anything else that is not base64 is not.
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let text = encoded.utf8.contains(where: isSpace) ? Data(encoded.utf8.filter { !isSpace($0) }) : Data(encoded.utf8)
            guard let data = Data(base64Encoded: text) else {
                throw RPCError.invalidParams("contentBase64 is not valid base64", path: "contentBase64")
            }
            return (Array(data), p.format)
        }
        let path = p.path!
        return (try RegisterFile.bytes(atPath: path, access: context.files, limits: context.limits), p.format ?? RegisterFile.format(forPath: path))
    }
}

extension Column {
    /// What a column was read as, on the wire (`ImportCustomers.ReadColumn.field`).
    var wireName: String? {
        switch self {
        case .number: "number"
        case .field(let field): field.rawValue
        case .addressLine: "addressLine"
        case .zipCity: "zipCity"
        case .extra: nil
        }
    }
}
