import Foundation
import JSONRPC
import SyncCore

/// `listSuggestions`: the best one-to-one pairing of the unsynced registers, best first, paged.
/// Spec: protocol/openrpc.json#listSuggestions.
public enum ListSuggestions: SyncMethod {
    public static let name = "listSuggestions"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case minScore, limit, cursor }
        var minScore: Double?
        var limit: Int?
        var cursor: String?
    }

    public struct Item: Encodable, Sendable {
        var localId: String
        var remoteId: String
        var score: Double
        var reasons: [WireReason]
        var rivals: WireRivals?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WirePage<Item> {
        let minScore = try MatchParams.score(p.minScore, path: "minScore", default: MatchParams.defaultMinScore)
        let limit = try Paging.limit(p.limit)
        let after = try SuggestionCursor.decode(p.cursor)
        let pairs = try Pairing.current(context, minScore: minScore)
        let start = after.map { position in pairs.firstIndex { SuggestionCursor.isAfter($0, position) } ?? pairs.count } ?? 0
        let page = pairs[start..<min(pairs.count, start + limit)]
        let next = start + limit < pairs.count ? page.last.map(SuggestionCursor.encode) : nil
        return WirePage(
            items: page.map { suggestion in
                let match = suggestion.match
                return Item(localId: CustomerID.format(suggestion.localId), remoteId: CustomerID.format(suggestion.remoteId),
                            score: match.score, reasons: match.reasons.map(WireReason.init), rivals: WireRivals(match))
            },
            nextCursor: next, total: pairs.count)
    }
}

/// `acceptSuggestions`: links every suggested pair at or above `minScore`, as `selectPartner`
/// would, in one transaction. Spec: protocol/openrpc.json#acceptSuggestions.
public enum AcceptSuggestions: SyncMethod {
    public static let name = "acceptSuggestions"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case minScore, dryRun }
        var minScore: Double?
        var dryRun: Bool?
    }

    public struct Result: Encodable, Sendable {
        var linked: Int
        var synced: Int
        var conflict: Int
        var dryRun: Bool
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let minScore = try MatchParams.score(p.minScore, path: "minScore")
        let pairs = try Pairing.current(context, minScore: minScore)
        let outcome = try context.database.link(pairs: pairs.map { ($0.localId, $0.remoteId) }, dryRun: p.dryRun ?? false)
        return Result(linked: outcome.linked, synced: outcome.synced, conflict: outcome.conflict, dryRun: outcome.dryRun)
    }
}

/// The pairing of the customers who may be paired now.
enum Pairing {
    static func current(_ context: ServiceContext, minScore: Double) throws -> [Suggestion] {
        try context.matchCache.pairing(context.database, minScore: minScore)
    }
}

/// Keyset cursors over the pairing's order (score descending, then local id).
enum SuggestionCursor {
    struct Position { var score: Double; var localId: Int64 }

    static func encode(_ s: Suggestion) -> String {
        Data("s:\(s.score):\(s.localId)".utf8).base64EncodedString()
    }

    static func decode(_ cursor: String?) throws -> Position? {
        guard let cursor else { return nil }
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8) else {
            throw RPCError.invalidParams("not a cursor this server gave out", path: "cursor")
        }
        let parts = text.split(separator: ":")
        guard parts.count == 3, parts[0] == "s", let score = Double(parts[1]), let local = Int64(parts[2]) else {
            throw RPCError.invalidParams("not a cursor this server gave out", path: "cursor")
        }
        return Position(score: score, localId: local)
    }

    /// Whether `s` comes after the position in the pairing's order.
    static func isAfter(_ s: Suggestion, _ p: Position) -> Bool {
        s.score < p.score || (s.score == p.score && s.localId > p.localId)
    }
}
