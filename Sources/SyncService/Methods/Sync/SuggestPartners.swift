import JSONRPC
import SyncCore

/// `suggestPartners`: the likely partners of one customer among the unsynced, included
/// customers of the other side, best first, each with a score and its reasons.
/// Spec: protocol/openrpc.json#suggestPartners.
public enum SuggestPartners: SyncMethod {
    public static let name = "suggestPartners"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case customerId, limit }
        var customerId: String
        var limit: Int?
    }

    public struct Candidate: Encodable, Sendable {
        var customer: WireCustomer
        var score: Double
        var reasons: [WireReason]
        var rivals: WireRivals?
    }

    public struct Result: Encodable, Sendable {
        var candidates: [Candidate]
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let limit = p.limit ?? 5
        guard (1...100).contains(limit) else {
            throw RPCError.invalidParams("limit must be between 1 and 100 (got \(limit))", path: "limit")
        }
        let id = try ParamsCheck.customerId(p.customerId)
        let customer = try context.database.pairableCustomer(id: id)
        let index = try context.matchCache.index(context.database)
        let record = MatchRecord(id: id, side: customer.side, fields: customer.fields)
        let candidates = index.candidates(for: record)
        let eligible = try context.database.unsyncedIds(among: candidates.map(\.id))
        let best = index.suggestions(for: record, among: candidates, eligible: { eligible.contains($0) }, limit: limit)
        let customers = Dictionary(uniqueKeysWithValues: try context.database.customers(ids: best.map(\.0.id)).map { ($0.id, $0) })
        return Result(candidates: best.compactMap { other, match in
            customers[other.id].map { Candidate(customer: WireCustomer($0), score: match.score, reasons: match.reasons.map(WireReason.init), rivals: WireRivals(match)) }
        })
    }
}
