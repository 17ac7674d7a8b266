import Foundation
import Synchronization
import SyncCore
import SyncStore

/// The blocking index over every customer's matching keys, kept between calls while the
/// database's `fields` generation stays the same. Linking, unlinking and excluding do not
/// change it (who may be paired is read from the database on every call), so a frontend can
/// link one pair after another and ask again at once.
///
/// Its state sits behind a mutex, held for a whole call: the client's requests come one at a
/// time, so it is never contended today, but nothing else guarantees that (automatic rounds
/// run beside them and do not use it; a caller that did would wait rather than see the cache
/// half rebuilt).
final class MatchCache: Sendable {
    private let state = Mutex(State())

    private struct State {
        var generation: Int64 = -1
        var index: MatchIndex?
        /// The last pairing, with what it was computed from: paging through suggestions does
        /// not pair everyone again while nobody was linked, excluded or changed meanwhile. While
        /// the 'writes' generation stays the same nothing was, and the eligible are not read
        /// again (reading them is most of a later page's time at a large register).
        var pairing: Pairing?

        /// The index, built again when the fields changed.
        mutating func currentIndex(_ database: AppDatabase) throws -> MatchIndex {
            let current = try database.fieldsGeneration()
            if let index, current == generation { return index }
            // The old index goes before the new one is built: never two in memory at once.
            index = nil
            pairing = nil
            let (read, records) = try database.matchRecords()
            let built = MatchIndex(records: records)
            index = built
            generation = read
            return built
        }
    }

    private struct Pairing {
        var generation: Int64, writes: Int64, eligible: Set<Int64>, minScore: Double, pairs: [Suggestion]

        /// This pairing, cut at `minScore` (greedy pairing cut at a higher score is the same
        /// pairing, filtered); nil when it was cut higher or made from another index.
        func cut(at minScore: Double, generation: Int64) -> [Suggestion]? {
            guard generation == self.generation, self.minScore <= minScore else { return nil }
            return self.minScore == minScore ? pairs : pairs.filter { $0.score >= minScore }
        }
    }

    /// The pairing at `minScore`, and the weights of the index it was scored with.
    func pairing(_ database: AppDatabase, minScore: Double) throws -> (pairs: [Suggestion], weights: MatchWeights) {
        try state.withLock { state in
            let index = try state.currentIndex(database)
            if let cached = state.pairing, try cached.writes == database.writesGeneration(),
               let pairs = cached.cut(at: minScore, generation: state.generation) {
                return (pairs, index.weights)
            }
            let (writes, eligible) = try database.pairable()
            if var cached = state.pairing, cached.eligible == eligible, let pairs = cached.cut(at: minScore, generation: state.generation) {
                cached.writes = writes
                state.pairing = cached
                return (pairs, index.weights)
            }
            let pairs = index.pairing(minScore: minScore) { eligible.contains($0) }
            state.pairing = Pairing(generation: state.generation, writes: writes, eligible: eligible, minScore: minScore, pairs: pairs)
            return (pairs, index.weights)
        }
    }

    func index(_ database: AppDatabase) throws -> MatchIndex {
        try state.withLock { try $0.currentIndex(database) }
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
        guard let value = value ?? fallback else { throw ParamsError(path: path, "missing required field '\(path)'") }
        guard (0...1).contains(value), value.isFinite else {
            throw ParamsError(path: path, "\(path) must be between 0 and 1 (got \(value))")
        }
        return value
    }
}
