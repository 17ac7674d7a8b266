import Foundation
import SyncCore
import SyncStore

/// The blocking index over every customer's matching keys, kept between calls while the
/// database's `fields` generation stays the same. Linking, unlinking and excluding do not
/// change it (who may be paired is read from the database on every call), so a frontend can
/// link one pair after another and ask again at once.
final class MatchCache {
    private var generation: Int64 = -1
    private var index: MatchIndex?
    /// The last pairing, with what it was computed from: paging through suggestions does not
    /// pair everyone again while nobody was linked, excluded or changed meanwhile. While the
    /// 'writes' generation stays the same nothing was, and the eligible are not read again (a
    /// later page at a million a side took 1.1 s when it read them every call).
    private var pairing: (generation: Int64, writes: Int64, eligible: Set<Int64>, minScore: Double, pairs: [Suggestion])?

    func pairing(_ database: AppDatabase, minScore: Double) throws -> [Suggestion] {
        let index = try self.index(database)
        func reuse(_ cached: (generation: Int64, writes: Int64, eligible: Set<Int64>, minScore: Double, pairs: [Suggestion])) -> [Suggestion] {
            // Greedy pairing cut at a higher score is the same pairing, filtered.
            cached.minScore == minScore ? cached.pairs : cached.pairs.filter { $0.match.score >= minScore }
        }
        if let cached = pairing, cached.generation == generation, cached.minScore <= minScore,
           try cached.writes == database.writesGeneration() {
            return reuse(cached)
        }
        let (writes, eligible) = try database.pairable()
        if var cached = pairing, cached.generation == generation, cached.minScore <= minScore, cached.eligible == eligible {
            cached.writes = writes
            pairing = cached
            return reuse(cached)
        }
        let pairs = index.pairing(minScore: minScore) { eligible.contains($0) }
        pairing = (generation, writes, eligible, minScore, pairs)
        return pairs
    }

    func index(_ database: AppDatabase) throws -> MatchIndex {
        let current = try database.fieldsGeneration()
        if let index, current == generation { return index }
        let (read, records) = try database.matchRecords()
        let built = MatchIndex(records: records)
        index = built
        generation = read
        return built
    }
}

/// The wire form of a reason: `{field, verdict, level, similarity?, weight}`.
struct WireReason: Encodable, Sendable {
    var field: String
    var verdict: String
    var level: String?
    var similarity: Double?
    var weight: Double

    init(_ reason: MatchReason) {
        field = reason.field.rawValue
        verdict = reason.verdict.rawValue
        level = reason.level
        similarity = reason.similarity
        weight = (reason.weight * 100).rounded() / 100
    }
}

/// The wire form of a pair's rivals, `{count, weight}`: absent when it has none.
struct WireRivals: Encodable, Sendable {
    var count: Int
    var weight: Double

    init?(_ match: MatchScore) {
        guard match.rivals > 0 else { return nil }
        count = match.rivals
        weight = (match.rivalWeight * 100).rounded() / 100
    }
}

/// Checks of the matching params.
enum MatchParams {
    static let defaultMinScore = 0.7

    static func score(_ value: Double?, path: String, default fallback: Double? = nil) throws -> Double {
        guard let value = value ?? fallback else { throw RPCErrorFactory.missing(path) }
        guard (0...1).contains(value), value.isFinite else {
            throw RPCErrorFactory.invalid("\(path) must be between 0 and 1 (got \(value))", path: path)
        }
        return value
    }
}
