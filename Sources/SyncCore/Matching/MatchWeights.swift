import Foundation

/// Fellegi–Sunter weights: for each field and level of agreement, m (how often true partners
/// compare so) and u (how often two different customers do); a level's evidence is
/// log2(m / u) bits. `prior` holds values a Danish customer register shows, set by hand;
/// `estimated(from:)` learns them from the two registers at hand by expectation–maximisation.
///
/// Different customers that get compared are not one population: some met because they share
/// a name (and rarely an address too), some because they share an address (and rarely a
/// name). One u table for all of them would take an equal name and an equal address as two
/// weak, independent pieces of evidence, when together they are strong. So the estimate has
/// several non-partner classes (`nonMatchClasses`), each with its own u; the score weighs the
/// pair against their mixture, and the reasons show each field against their average `u`.
public struct MatchWeights: Sendable, Equatable {
    /// Per field (`MatchField` order), per level (index 0 = level 1).
    public var m: [[Double]]
    /// Different customers, all classes together: what the reasons' bits are against.
    public var u: [[Double]]
    /// The share of compared pairs that are true partners.
    public var matchShare: Double
    /// The classes of different customers: each one's share of compared pairs and its u.
    public var nonMatchClasses: [(share: Double, u: [[Double]])]
    /// Whether these came from the registers (true) or are the hand-set prior.
    public var estimated: Bool
    /// Weights in bits, per field and level, cached: log2(m / u), kept in the order of the
    /// levels (the reasons).
    public private(set) var bits: [[Double]] = []
    /// log2 of the shares, m and each class's u, flat: `table[(c * 8 + field) * 8 + level]`,
    /// class 0 the partners, level 0 (a field missing) 0; `table[c * 64 + 63]` is the
    /// class's log2 share. One array, read in place: the score of a pair is a few dozen
    /// additions.
    private var table: [Double] = []
    private var classCount = 0

    public init(m: [[Double]], u: [[Double]], matchShare: Double, estimated: Bool, nonMatchClasses: [(share: Double, u: [[Double]])]? = nil) {
        self.m = m
        self.u = u
        self.matchShare = matchShare
        self.estimated = estimated
        self.nonMatchClasses = nonMatchClasses ?? [(1 - matchShare, u)]
        bits = zip(m, u).map { zip($0, $1).map { log2($0 / $1) } }
        keepLevelsInOrder()
        let classes = [(matchShare, m)] + self.nonMatchClasses.map { ($0.share, $0.u) }
        classCount = classes.count
        table = [Double](repeating: 0, count: classes.count * 64)
        for (c, (share, probabilities)) in classes.enumerated() {
            for (f, levels) in probabilities.enumerated() {
                for (level, p) in levels.enumerated() { table[(c * 8 + f) * 8 + level + 1] = log2(p) }
            }
            table[c * 64 + 63] = log2(share)
        }
    }

    public static func == (a: MatchWeights, b: MatchWeights) -> Bool {
        a.m == b.m && a.u == b.u && a.matchShare == b.matchShare && a.estimated == b.estimated
            && a.nonMatchClasses.map(\.share) == b.nonMatchClasses.map(\.share) && a.nonMatchClasses.map(\.u) == b.nonMatchClasses.map(\.u)
    }

    /// The evidence of one field's level, in bits (0 for level 0: a side lacks the field).
    @inline(__always) public func weight(_ field: MatchField, _ level: Int) -> Double {
        level == 0 ? 0 : bits[field.rawValue][level - 1]
    }

    /// The log2 prior odds that a compared pair is a true one.
    public var priorBits: Double { log2(matchShare / (1 - matchShare)) }

    /// The log2 posterior odds that a pair comparing as `pattern` is one customer: the
    /// partner class against the mixture of the non-partner classes.
    public func logOdds(_ pattern: UInt32) -> Double {
        table.withUnsafeBufferPointer { t in
            // Each class's log2 likelihood; level 0 reads the 0 the table holds for it.
            func classLog(_ c: Int) -> Double {
                var sum = t[c * 64 + 63]
                for f in 0..<8 { sum += t[(c * 8 + f) * 8 + Int((pattern >> (4 * UInt32(f))) & 0xF)] }
                return sum
            }
            let match = classLog(0)
            var top = -Double.infinity
            var logs = (0.0, 0.0, 0.0, 0.0)
            for c in 1..<min(classCount, 5) {
                let l = classLog(c)
                switch c { case 1: logs.0 = l; case 2: logs.1 = l; case 3: logs.2 = l; default: logs.3 = l }
                top = max(top, l)
            }
            var sum = 0.0
            for c in 1..<min(classCount, 5) {
                let l = c == 1 ? logs.0 : c == 2 ? logs.1 : c == 3 ? logs.2 : logs.3
                sum += exp2(l - top)
            }
            return match - (top + log2(sum))
        }
    }

    /// An upper bound, cheap (additions only), of `logOdds` over every level `field` could
    /// take with the rest of `pattern` as it is: the partners against the likeliest single
    /// class of non-partners, which the mixture never falls below.
    public func maxLogOdds(_ pattern: UInt32, over field: MatchField) -> Double {
        table.withUnsafeBufferPointer { t in
            let f = field.rawValue
            let rest = pattern & ~(UInt32(0xF) << (4 * UInt32(f)))
            func classLog(_ c: Int) -> Double {
                var sum = t[c * 64 + 63]
                for g in 0..<8 { sum += t[(c * 8 + g) * 8 + Int((rest >> (4 * UInt32(g))) & 0xF)] }
                return sum
            }
            var base = (classLog(0), 0.0, 0.0, 0.0, 0.0)
            let classes = min(classCount, 5)
            if classes > 1 { base.1 = classLog(1) }
            if classes > 2 { base.2 = classLog(2) }
            if classes > 3 { base.3 = classLog(3) }
            if classes > 4 { base.4 = classLog(4) }
            var best = -Double.infinity
            for level in 1...field.levelCount {
                let match = base.0 + t[(0 * 8 + f) * 8 + level]
                var top = -Double.infinity
                if classes > 1 { top = max(top, base.1 + t[(1 * 8 + f) * 8 + level]) }
                if classes > 2 { top = max(top, base.2 + t[(2 * 8 + f) * 8 + level]) }
                if classes > 3 { top = max(top, base.3 + t[(3 * 8 + f) * 8 + level]) }
                if classes > 4 { top = max(top, base.4 + t[(4 * 8 + f) * 8 + level]) }
                best = max(best, match - top)
            }
            return best
        }
    }

    /// An upper bound, as `maxLogOdds(_:over:)`, over every pair of levels the address and
    /// the name could take with the rest of `pattern` as it is: whether a pair is worth
    /// comparing at all once its cheap fields are known.
    public func maxLogOdds(_ pattern: UInt32, overAddressAndName: Void = ()) -> Double {
        table.withUnsafeBufferPointer { t in
            let a = MatchField.address.rawValue, n = MatchField.name.rawValue
            let rest = pattern & ~(UInt32(0xF) << (4 * UInt32(a))) & ~(UInt32(0xF) << (4 * UInt32(n)))
            let classes = min(classCount, 5)
            return withUnsafeTemporaryAllocation(of: Double.self, capacity: 5) { base in
                for c in 0..<classes {
                    var sum = t[c * 64 + 63]
                    for g in 0..<8 { sum += t[(c * 8 + g) * 8 + Int((rest >> (4 * UInt32(g))) & 0xF)] }
                    base[c] = sum
                }
                // Level 0 too: a field one side lacks stays at 0, no evidence.
                var best = -Double.infinity
                for x in 0...MatchField.address.levelCount {
                    for y in 0...MatchField.name.levelCount {
                        let match = base[0] + t[(0 * 8 + a) * 8 + x] + t[(0 * 8 + n) * 8 + y]
                        var top = -Double.infinity
                        for c in 1..<classes { top = max(top, base[c] + t[(c * 8 + a) * 8 + x] + t[(c * 8 + n) * 8 + y]) }
                        best = max(best, match - top)
                    }
                }
                return best
            }
        }
    }

    /// Hand-set: a shared CVR is m 0.97 / u 1e-4 (+13 bits); a name spelt alike m 0.70 / u
    /// 0.002 (+8.5), and so on. The prior odds, 2^-12, are about one true pair in 4,000
    /// compared: a pair needs 12 bits of evidence to reach a score of 0.5.
    public static let prior = MatchWeights(
        m: [[0.97, 0.03], [0.95, 0.05], [0.85, 0.15], [0.75, 0.25],
            [0.70, 0.15, 0.07, 0.04, 0.02, 0.02],
            [0.72, 0.07, 0.04, 0.04, 0.03, 0.10],
            [0.68, 0.03, 0.29],
            [0.46, 0.54]],
        u: [[1e-4, 1 - 1e-4], [2e-4, 1 - 2e-4], [1e-3, 1 - 1e-3], [1.5e-3, 1 - 1.5e-3],
            [0.002, 0.006, 0.03, 0.06, 0.15, 0.752],
            [0.005, 0.005, 0.003, 0.01, 0.03, 0.947],
            [0.15, 0.02, 0.83],
            [0.23, 0.77]],
        matchShare: 1 / (1 + pow(2, 12)), estimated: false)

    /// Where the non-partner classes start: one that shares names, one that shares
    /// addresses, one like the prior. EM moves them where the registers put them.
    static func startingClasses(_ u: [[Double]]) -> [[[Double]]] {
        var names = u, addresses = u
        names[MatchField.name.rawValue] = [0.3, 0.1, 0.15, 0.15, 0.1, 0.2]
        addresses[MatchField.address.rawValue] = [0.3, 0.1, 0.05, 0.1, 0.2, 0.25]
        return [names, addresses, u]
    }

    /// Weights estimated from the comparison patterns of candidate pairs (pattern → how many
    /// pairs), by expectation–maximisation of a latent class model: the partners' class and
    /// `startingClasses` of different customers, each conditionally independent across fields
    /// (Fellegi–Sunter as recordlinkage's ECM and Splink fit it, with the non-partners split
    /// so that blocking's dependence between fields is caught). u is estimated on the
    /// candidates themselves, so it is the right one for the pairs that get scored. The prior
    /// is a Dirichlet pseudo-count of `priorPairs` pairs a field and class, so small registers
    /// stay near it; the partners' share has a pseudo-count of `priorSharePairs` pairs at the
    /// prior's share (a few dozen candidate pairs say little about how many are true) and is
    /// capped by the one-to-one bound (`maxMatches`).
    public static func estimated(from patterns: [UInt32: Int], maxMatches: Int, iterations: Int = 80,
                                 priorPairs: Double = 30, priorSharePairs: Double = 1000, start: MatchWeights = .prior) -> MatchWeights {
        let total = patterns.values.reduce(0, +)
        guard total > 0 else { return start }
        let fields = MatchField.allCases
        let items = patterns.map { (pattern: $0.key, count: Double($0.value)) }
        var m = start.m
        var us = startingClasses(start.u)
        let classes = us.count
        let cap = min(0.5, Double(max(1, maxMatches)) / Double(total))
        var share = min(cap, max(start.matchShare, 1e-6))
        var classShares = [Double](repeating: (1 - share) / Double(classes), count: classes)
        let zero = start.m.map { $0.map { _ in 0.0 } }
        for _ in 0..<iterations {
            var mCount = zero
            var uCounts = [[[Double]]](repeating: zero, count: classes)
            var matched = 0.0
            var classTotals = [Double](repeating: 0, count: classes)
            let logM = m.map { $0.map(log) }
            let logUs = us.map { $0.map { $0.map(log) } }
            var l = [Double](repeating: 0, count: classes + 1)
            for item in items {
                l[0] = log(share)
                for k in 0..<classes { l[k + 1] = log(classShares[k]) }
                for f in fields {
                    let level = Comparison.level(f, of: item.pattern)
                    if level > 0 {
                        l[0] += logM[f.rawValue][level - 1]
                        for k in 0..<classes { l[k + 1] += logUs[k][f.rawValue][level - 1] }
                    }
                }
                let top = l.max()!
                var sum = 0.0
                for j in l.indices { l[j] = exp(l[j] - top); sum += l[j] }
                let g = l[0] / sum
                matched += g * item.count
                for k in 0..<classes { classTotals[k] += l[k + 1] / sum * item.count }
                for f in fields {
                    let level = Comparison.level(f, of: item.pattern)
                    if level > 0 {
                        mCount[f.rawValue][level - 1] += g * item.count
                        for k in 0..<classes { uCounts[k][f.rawValue][level - 1] += l[k + 1] / sum * item.count }
                    }
                }
            }
            for f in fields.map(\.rawValue) {
                let mSum = mCount[f].reduce(0, +)
                m[f] = zip(mCount[f], start.m[f]).map { ($0 + priorPairs * $1) / (mSum + priorPairs) }
                for k in 0..<classes {
                    let uSum = uCounts[k][f].reduce(0, +)
                    us[k][f] = zip(uCounts[k][f], start.u[f]).map { ($0 + priorPairs * $1) / (uSum + priorPairs) }
                }
            }
            share = min(cap, max(1e-6, (matched + priorSharePairs * start.matchShare) / (Double(total) + priorSharePairs)))
            let others = max(1e-12, classTotals.reduce(0, +))
            classShares = classTotals.map { max(1e-9, $0 / others * (1 - share)) }
        }
        // The reasons' u: the classes' average, weighted by their shares.
        var u = zero
        let others = classShares.reduce(0, +)
        for k in 0..<classes {
            for f in u.indices { for level in u[f].indices { u[f][level] += classShares[k] / others * us[k][f][level] } }
        }
        return MatchWeights(m: m, u: u, matchShare: share, estimated: true,
                            nonMatchClasses: (0..<classes).map { (classShares[$0], us[$0]) })
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
