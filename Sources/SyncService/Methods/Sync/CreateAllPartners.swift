import JSONRPC
import SyncCore

/// `createAllPartners`: partners for every unsynced, non-excluded customer of a side (or the
/// given ones), in one transaction. Spec: protocol/openrpc.json#createAllPartners.
public enum CreateAllPartners: SyncMethod {
    public static let name = "createAllPartners"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, numbering, customerIds, dryRun, progressToken }
        var side: Side
        var numbering: NumberingParam
        var customerIds: [String]?
        var dryRun: Bool?
        var progressToken: ProgressToken?
    }

    /// `{mode: "keep"}` or `{mode: "sequence", start}` (`start` digits, or a whole number).
    struct NumberingParam: Decodable, Sendable {
        enum CodingKeys: String, CodingKey { case mode, start }
        enum Mode: String, ClosedStringSet { case keep, sequence }
        var numbering: Numbering

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(Mode.self, forKey: .mode) {
            case .keep:
                numbering = .keep
            case .sequence:
                guard c.contains(.start) else {
                    throw DecodingError.keyNotFound(CodingKeys.start, .init(codingPath: c.codingPath, debugDescription: "sequence numbering needs start"))
                }
                let start = try c.decode(NumberText.self, forKey: .start).text
                guard !start.isEmpty, start.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(start), n >= 1 else {
                    throw DecodingError.dataCorruptedError(forKey: .start, in: c, debugDescription: "start must be a whole number of 1 or more, as digits (got '\(start)')")
                }
                numbering = .sequence(start: n)
            }
        }
    }

    /// `field` and `message` only with reason `InvalidValue`.
    public struct Skipped: Encodable, Sendable {
        var customerId: String
        var reason: String
        var field: String?
        var message: String?
    }

    /// A partner a dry run would create: the customer it copies (its number and name) and
    /// the number the partner would get.
    public struct Planned: Encodable, Sendable {
        var customerId: String
        var sourceNumber: String?
        var name: String?
        var number: String

        enum CodingKeys: String, CodingKey { case customerId, sourceNumber, name, number }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(customerId, forKey: .customerId)
            try c.encode(sourceNumber, forKey: .sourceNumber)
            try c.encode(name, forKey: .name)
            try c.encode(number, forKey: .number)
        }
    }

    public struct Result: Encodable, Sendable {
        var created: Int
        var skipped: [Skipped]
        var dryRun: Bool
        /// With `dryRun` only: every partner it would create, in order.
        var planned: [Planned]?
    }

    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        if case .sequence(let start) = p.numbering.numbering, CustomerNumber.canonical(String(start), side: p.side.opposite) == nil {
            throw RPCError.invalidParams("start \(start) is not a valid \(p.side.opposite.rawValue) customer number: \(CustomerNumber.rule(for: p.side.opposite))", path: "numbering.start")
        }
        let ids = try p.customerIds.map { try $0.map(ParamsCheck.customerId) }
        let progress: ((Int, Int) -> Void)? = p.progressToken.map { token in { request.progress(token, done: $0, total: $1) } }
        let outcome = try context.database.createAllPartners(
            side: p.side, numbering: p.numbering.numbering, customerIds: ids, dryRun: p.dryRun ?? false, progress: progress)
        if !outcome.dryRun { context.afterBulkWrite(request) }
        return Result(
            created: outcome.created,
            skipped: outcome.skipped.map { Skipped(customerId: CustomerID.format($0.customerId), reason: $0.reason.rawValue,
                                                 field: $0.violation?.field, message: $0.violation?.message) },
            dryRun: outcome.dryRun,
            planned: outcome.dryRun ? outcome.planned.map { Planned(customerId: CustomerID.format($0.customerId), sourceNumber: $0.sourceNumber,
                                                                    name: $0.name, number: $0.number) } : nil
        )
    }
}
