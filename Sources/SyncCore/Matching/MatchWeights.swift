import Foundation

/// Fellegi–Sunter weights: for each field and level of agreement, m (how often true partners
/// compare so) and u (how often two different customers do); a level's evidence is
/// log2(m / u) bits. `prior` holds values a Danish customer register shows, set by hand;
/// `estimated(from:)` learns them from the two registers at hand by expectation–maximisation.
public struct MatchWeights: Sendable, Equatable {
    /// Per field (`MatchField` order), per level (index 0 = level 1).
    public var m: [[Double]]
    public var u: [[Double]]
    /// The share of compared pairs that are true partners.
    public var matchShare: Double
    /// Whether these came from the registers (true) or are the hand-set prior.
    public var estimated: Bool
    /// Weights in bits, per field and level, cached.
    public private(set) var bits: [[Double]] = []

    public init(m: [[Double]], u: [[Double]], matchShare: Double, estimated: Bool) {
        self.m = m
        self.u = u
        self.matchShare = matchShare
        self.estimated = estimated
        bits = zip(m, u).map { zip($0, $1).map { log2($0 / $1) } }
    }

    /// The evidence of one field's level, in bits (0 for level 0: a side lacks the field).
    @inline(__always) public func weight(_ field: MatchField, _ level: Int) -> Double {
        level == 0 ? 0 : bits[field.rawValue][level - 1]
    }

    /// The log2 prior odds that a compared pair is a true one.
    public var priorBits: Double { log2(matchShare / (1 - matchShare)) }

    /// Hand-set: a shared CVR is m 0.97 / u 1e-4 (+13 bits); a name spelt alike m 0.70 / u
    /// 0.002 (+8.5), and so on. The prior odds, 2^-12, are about one true pair in 4,000
    /// compared: a pair needs 12 bits of evidence to reach a score of 0.5.
    public static let prior = MatchWeights(
        m: [[0.97, 0.03], [0.95, 0.05], [0.85, 0.15], [0.75, 0.25],
            [0.70, 0.15, 0.07, 0.04, 0.04],
            [0.72, 0.07, 0.04, 0.04, 0.03, 0.10],
            [0.68, 0.03, 0.29],
            [0.46, 0.54]],
        u: [[1e-4, 1 - 1e-4], [2e-4, 1 - 2e-4], [1e-3, 1 - 1e-3], [1.5e-3, 1 - 1.5e-3],
            [0.002, 0.006, 0.03, 0.06, 0.902],
            [0.005, 0.005, 0.003, 0.01, 0.03, 0.947],
            [0.15, 0.02, 0.83],
            [0.23, 0.77]],
        matchShare: 1 / (1 + pow(2, 12)), estimated: false)

    /// Weights estimated from the comparison patterns of candidate pairs (pattern → how many
    /// pairs), by expectation–maximisation under conditional independence, as Fellegi–Sunter
    /// linkage does (recordlinkage's ECM, Splink). u is estimated on the candidates
    /// themselves, so it is the right one for the pairs that get scored (Splink's warning
    /// about u from random pairs under blocking does not apply). The prior is a Dirichlet
    /// pseudo-count of `priorPairs` pairs a field, so small registers stay near it; the
    /// matched share has a pseudo-count of `priorSharePairs` pairs at the prior's share (a
    /// few dozen candidate pairs say little about how many are true) and is capped by the
    /// one-to-one bound (`maxMatches`); and each field's
    /// weights are kept in the order of their levels (an equal name never weighs less than
    /// a typo).
    public static func estimated(from patterns: [UInt32: Int], maxMatches: Int, iterations: Int = 60,
                                 priorPairs: Double = 30, priorSharePairs: Double = 1000, start: MatchWeights = .prior) -> MatchWeights {
        let total = patterns.values.reduce(0, +)
        guard total > 0 else { return start }
        let fields = MatchField.allCases
        let items = patterns.map { (pattern: $0.key, count: Double($0.value)) }
        var m = start.m, u = start.u
        let cap = min(0.5, Double(max(1, maxMatches)) / Double(total))
        var share = min(cap, max(start.matchShare, 1e-6))
        for _ in 0..<iterations {
            var mCount = start.m.map { $0.map { _ in 0.0 } }
            var uCount = mCount
            var matched = 0.0
            let logM = m.map { $0.map(log) }, logU = u.map { $0.map(log) }
            let logShare = log(share), logOther = log(1 - share)
            for item in items {
                var lm = logShare, lu = logOther
                for f in fields {
                    let level = Comparison.level(f, of: item.pattern)
                    if level > 0 {
                        lm += logM[f.rawValue][level - 1]
                        lu += logU[f.rawValue][level - 1]
                    }
                }
                let g = 1 / (1 + exp(lu - lm))
                matched += g * item.count
                for f in fields {
                    let level = Comparison.level(f, of: item.pattern)
                    if level > 0 {
                        mCount[f.rawValue][level - 1] += g * item.count
                        uCount[f.rawValue][level - 1] += (1 - g) * item.count
                    }
                }
            }
            for f in fields.map(\.rawValue) {
                let mSum = mCount[f].reduce(0, +), uSum = uCount[f].reduce(0, +)
                m[f] = zip(mCount[f], start.m[f]).map { ($0 + priorPairs * $1) / (mSum + priorPairs) }
                u[f] = zip(uCount[f], start.u[f]).map { ($0 + priorPairs * $1) / (uSum + priorPairs) }
            }
            share = min(cap, max(1e-6, (matched + priorSharePairs * start.matchShare) / (Double(total) + priorSharePairs)))
        }
        var weights = MatchWeights(m: m, u: u, matchShare: share, estimated: true)
        weights.keepLevelsInOrder()
        return weights
    }

    /// A better level never weighs less than a worse one; level 1 is evidence for, the last
    /// level evidence against (or none).
    mutating func keepLevelsInOrder() {
        for f in bits.indices {
            for level in bits[f].indices.dropFirst() where bits[f][level] > bits[f][level - 1] {
                bits[f][level] = bits[f][level - 1]
            }
            bits[f][0] = max(bits[f][0], 0)
            bits[f][bits[f].count - 1] = min(bits[f][bits[f].count - 1], 0)
        }
    }
}
