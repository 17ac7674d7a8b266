import Foundation

/// Candidate generation by blocking: customers of the two sides that share a blocking key are
/// compared in full; nobody else is. Cost grows with the number of customers and the size of
/// the buckets, not with the product of the register sizes. A bucket with more customers on a
/// side than `maxBucket` (a common word, a shared switchboard number) blocks nothing.
public final class MatchIndex: @unchecked Sendable {
    public let locals: [MatchRecord]
    public let remotes: [MatchRecord]
    let positionById: [Int64: (Side, Int32)]
    /// Per key: positions in `locals` and in `remotes`.
    let buckets: [String: (local: [Int32], remote: [Int32])]
    public let maxBucket: Int

    public init(records: [MatchRecord], maxBucket: Int = 40) {
        self.maxBucket = maxBucket
        var locals: [MatchRecord] = []
        var remotes: [MatchRecord] = []
        for r in records { if r.side == .local { locals.append(r) } else { remotes.append(r) } }
        locals.sort { $0.id < $1.id }
        remotes.sort { $0.id < $1.id }
        var buckets: [String: (local: [Int32], remote: [Int32])] = [:]
        buckets.reserveCapacity(records.count * 4)
        var positions: [Int64: (Side, Int32)] = [:]
        positions.reserveCapacity(records.count)
        for (i, r) in locals.enumerated() {
            positions[r.id] = (.local, Int32(i))
            for key in r.blockingKeys { buckets[key, default: ([], [])].local.append(Int32(i)) }
        }
        for (i, r) in remotes.enumerated() {
            positions[r.id] = (.remote, Int32(i))
            for key in r.blockingKeys { buckets[key, default: ([], [])].remote.append(Int32(i)) }
        }
        // Keep only keys that can pair someone, and are rare enough to mean something.
        buckets = buckets.filter { !$0.value.local.isEmpty && !$0.value.remote.isEmpty
            && $0.value.local.count <= maxBucket && $0.value.remote.count <= maxBucket }
        self.locals = locals
        self.remotes = remotes
        self.buckets = buckets
        self.positionById = positions
    }

    public func record(id: Int64) -> MatchRecord? {
        guard let (side, i) = positionById[id] else { return nil }
        return side == .local ? locals[Int(i)] : remotes[Int(i)]
    }

    /// The customers of the other side that share a blocking key with `record`.
    public func candidates(for record: MatchRecord) -> [MatchRecord] {
        var seen = Set<Int32>()
        var out: [MatchRecord] = []
        for key in record.blockingKeys {
            guard let bucket = buckets[key] else { continue }
            let others = record.side == .local ? bucket.remote : bucket.local
            for i in others where seen.insert(i).inserted {
                out.append(record.side == .local ? remotes[Int(i)] : locals[Int(i)])
            }
        }
        return out
    }

    /// Scored candidates of one customer among `eligible` ones, best first.
    public func suggestions(for record: MatchRecord, eligible: (Int64) -> Bool, limit: Int) -> [(MatchRecord, MatchScore)] {
        var scored = candidates(for: record).filter { eligible($0.id) }.map { ($0, Scorer.compare(record, $0)) }
        scored.sort { $0.1.score != $1.1.score ? $0.1.score > $1.1.score : $0.0.id < $1.0.id }
        return Array(scored.prefix(limit))
    }
}

/// One suggested pair.
public struct Suggestion: Sendable, Hashable {
    public var localId: Int64
    public var remoteId: Int64
    public var match: MatchScore
}

extension MatchIndex {
    /// The best one-to-one pairing of eligible customers with a score of at least `minScore`:
    /// every candidate pair is scored (on all cores), then pairs are taken best first, skipping
    /// any whose customer is already taken. Ordered by score, then local id.
    public func pairing(minScore: Double, eligible: @Sendable (Int64) -> Bool) -> [Suggestion] {
        let chunks = max(1, min(64, locals.count / 512))
        let chunkSize = (locals.count + chunks - 1) / max(chunks, 1)
        let results = UnsafeMutableBufferPointer<[Suggestion]>.allocate(capacity: chunks)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        let resultsBase = UncheckedPointer(results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var found: [Suggestion] = []
            let start = chunk * chunkSize
            let end = min(locals.count, start + chunkSize)
            guard start < end else { return }
            for local in locals[start..<end] where eligible(local.id) {
                for remote in candidates(for: local) where eligible(remote.id) {
                    let match = Scorer.compare(local, remote)
                    if match.score >= minScore { found.append(Suggestion(localId: local.id, remoteId: remote.id, match: match)) }
                }
            }
            resultsBase.pointer[chunk] = found
        }
        var all = results.flatMap { $0 }
        all.sort { a, b in
            if a.match.score != b.match.score { return a.match.score > b.match.score }
            if a.localId != b.localId { return a.localId < b.localId }
            return a.remoteId < b.remoteId
        }
        var usedLocal = Set<Int64>()
        var usedRemote = Set<Int64>()
        var pairs: [Suggestion] = []
        for s in all where !usedLocal.contains(s.localId) && !usedRemote.contains(s.remoteId) {
            usedLocal.insert(s.localId)
            usedRemote.insert(s.remoteId)
            pairs.append(s)
        }
        return pairs
    }
}

/// A pointer that chunks of `concurrentPerform` write to at distinct indexes.
struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
