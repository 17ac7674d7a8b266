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

    /// A page of suggestions, with the model that scored them.
    public struct Result: Encodable, Sendable {
        var items: [Item]
        var nextCursor: String?
        var total: Int
        var model: WireModel

        enum CodingKeys: String, CodingKey { case items, nextCursor, total, model }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(items, forKey: .items)
            try c.encodeOrNull(nextCursor, forKey: .nextCursor)
            try c.encode(total, forKey: .total)
            try c.encode(model, forKey: .model)
        }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let minScore = try MatchParams.score(p.minScore, path: "minScore", default: MatchParams.defaultMinScore)
        let limit = try Paging.limit(p.limit)
        let after = try SuggestionCursor.decode(p.cursor)
        let (pairs, weights) = try Pairing.current(context, minScore: minScore)
        let start = after.map { position in pairs.firstIndex { SuggestionCursor.isAfter($0, position) } ?? pairs.count } ?? 0
        let page = pairs[start..<min(pairs.count, start + limit)]
        let next = start + limit < pairs.count ? page.last.map(SuggestionCursor.encode) : nil
        return Result(
            items: page.map { suggestion in
                let match = suggestion.match
                return Item(localId: CustomerID.format(suggestion.localId), remoteId: CustomerID.format(suggestion.remoteId),
                            score: match.score, reasons: match.reasons.map(WireReason.init), rivals: WireRivals(match))
            },
            nextCursor: next, total: pairs.count, model: WireModel(weights))
    }
}

/// The wire form of the model a pairing was scored with, `{fit, fallback, matchShare,
/// placesShared}` (scoring.md §3): which fit was used, and why the fits before it were not.
public struct WireModel: Encodable, Sendable {
    var fit: String
    var fallback: String?
    var matchShare: Double
    var placesShared: Bool

    init(_ weights: MatchWeights) {
        fit = weights.model.rawValue
        fallback = weights.fallback
        // Six significant digits: a share is read, not computed with.
        matchShare = Double(String(format: "%.6g", weights.matchShare)) ?? weights.matchShare
        placesShared = weights.placesAreShared
    }

    enum CodingKeys: String, CodingKey { case fit, fallback, matchShare, placesShared }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fit, forKey: .fit)
        try c.encodeOrNull(fallback, forKey: .fallback)
        try c.encode(matchShare, forKey: .matchShare)
        try c.encode(placesShared, forKey: .placesShared)
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
        let (pairs, _) = try Pairing.current(context, minScore: minScore)
        let outcome = try context.database.link(pairs: pairs.map { ($0.localId, $0.remoteId) }, dryRun: p.dryRun ?? false)
        return Result(linked: outcome.linked, synced: outcome.synced, conflict: outcome.conflict, dryRun: outcome.dryRun)
    }
}

/// The pairing of the customers who may be paired now, and the weights it was scored with.
enum Pairing {
    static func current(_ context: ServiceContext, minScore: Double) throws -> (pairs: [Suggestion], weights: MatchWeights) {
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
