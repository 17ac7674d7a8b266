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
    /// Whether the registers hold several customers at one address
    /// (`MatchIndex.sharedAddresses`), and an address weighs as a place (`scored`).
    public var placesAreShared = true
    /// Which fit these are (`estimated`: the full one; see `estimated(from:)`).
    public var model: Model
    /// Why the fits before this one were not used: nil when the first was.
    public var fallback: String?
    /// Whether these came from the registers: any fit, or the prior with its share estimated.
    public var estimated: Bool { model != .prior || matchShare != Self.prior.matchShare }

    /// The fits, in the order they are tried.
    public enum Model: String, Sendable {
        /// Every table estimated, with several classes of different customers.
        case estimated
        /// One class of different customers, each field's evidence held to the prior's sign.
        case constrained
        /// The hand-set weights (`prior`), with the partners' share estimated or not.
        case prior
    }
    /// Weights in bits, per field and level, cached: log2(m / u), kept in the order of the
    /// levels (the reasons).
    public private(set) var bits: [[Double]] = []
    /// log2 of the shares, m and each class's u, flat: `table[(c * 8 + field) * 16 + level]`
    /// (a level is four bits), class 0 the partners, level 0 (a field missing) 0;
    /// `table[c * 128 + 127]` (the city's level 15, which it never has) is the class's log2
    /// share. One array, read in place: the score of a pair is a few dozen
    /// additions.
    private var table: [Double] = []
    private var classCount = 0

    public init(m: [[Double]], u: [[Double]], matchShare: Double, model: Model, nonMatchClasses: [(share: Double, u: [[Double]])]? = nil) {
        self.m = m
        self.u = u
        self.matchShare = matchShare
        self.model = model
        self.nonMatchClasses = nonMatchClasses ?? [(1 - matchShare, u)]
        bits = zip(m, u).map { zip($0, $1).map { log2($0 / $1) } }
        keepLevelsInOrder()
        let classes = [(matchShare, m)] + self.nonMatchClasses.map { ($0.share, $0.u) }
        classCount = classes.count
        table = [Double](repeating: 0, count: classes.count * 128)
        for (c, (share, probabilities)) in classes.enumerated() {
            for (f, levels) in probabilities.enumerated() {
                for (level, p) in levels.enumerated() { table[(c * 8 + f) * 16 + level + 1] = log2(p) }
            }
            table[c * 128 + 127] = log2(share)
        }
    }

    public static func == (a: MatchWeights, b: MatchWeights) -> Bool {
        a.m == b.m && a.u == b.u && a.matchShare == b.matchShare && a.model == b.model && a.fallback == b.fallback
            && a.placesAreShared == b.placesAreShared
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
    ///
    /// A name alone is not enough: a pair of which one side has nothing but a name to compare
    /// (no address, ZIP code, city or identifier) is at best even odds, so that it is offered
    /// for one customer (`suggestPartners`) and never paired at the default threshold. Such a
    /// record beside a namesake with an address is as often another person of that name
    /// (dupehell's light sets: every false pair left), and the fit, which takes a missing field
    /// as no evidence, cannot tell.
    public func logOdds(_ pattern: UInt32) -> Double {
        let pattern = scored(pattern)
        let odds = mixtureLogOdds(pattern)
        return pattern & ~(UInt32(0xF) << (4 * UInt32(MatchField.name.rawValue))) == 0 ? min(odds, 0) : odds
    }

    /// `logOdds` as the classes give it.
    private func mixtureLogOdds(_ pattern: UInt32) -> Double {
        table.withUnsafeBufferPointer { t in
            // Each class's log2 likelihood; level 0 reads the 0 the table holds for it.
            func classLog(_ c: Int) -> Double {
                var sum = t[c * 128 + 127]
                for f in 0..<8 { sum += t[(c * 8 + f) * 16 + Int((pattern >> (4 * UInt32(f))) & 0xF)] }
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

    /// A pattern as it is scored. Where the registers hold several customers at one address
    /// (`placesAreShared`: offices, flats, a business park), an address alone does not name a
    /// customer:
    /// - two names that differ in a distinctive word (no word of one is a word, a typo, a
    ///   start or the initials of the other's, or each has a word the other cannot be beside
    ///   one they share: "First Solutions" and "First Partners", "Peter Jensen" and "Anne
    ///   Jensen") are two customers whatever the address says, so the address, the ZIP code
    ///   and the city add no evidence for the pair (they still count against it; an
    ///   identifier, CVR, EAN, e-mail or phone, still counts);
    /// - an address is a street in a town: the same street and number under a ZIP code that
    ///   differs (not one digit off), in a city that is not the same, is another place, and
    ///   the address adds no evidence for the pair.
    /// Both are dependences between fields that a fit of independent fields cannot learn from
    /// the few such pairs among its candidates. Registers where no address holds two
    /// customers (FEBRL's) say the opposite: there, two names at one address are one customer
    /// renamed or mistyped, and the rules are off.
    @inline(__always) public func scored(_ pattern: UInt32) -> UInt32 {
        guard placesAreShared else { return pattern }
        @inline(__always) func level(_ f: MatchField) -> Int { Int((pattern >> (4 * UInt32(f.rawValue))) & 0xF) }
        let namesDiffer = level(.name) >= Comparison.nameSharedOtherDiffers
        let placesDiffer = level(.zip) == MatchField.zip.levelCount && level(.city) != 1
        guard namesDiffer || placesDiffer else { return pattern }
        var out = pattern
        for f in namesDiffer ? [MatchField.address, .zip, .city] : [.address] {
            let shift = 4 * UInt32(f.rawValue)
            let l = level(f)
            if l > 0 && bits[f.rawValue][l - 1] > 0 { out &= ~(UInt32(0xF) << shift) }
        }
        return out
    }

    /// An upper bound, cheap (additions only), of `logOdds` over every level `field` could
    /// take with the rest of `pattern` as it is: the partners against the likeliest single
    /// class of non-partners, which the mixture never falls below.
    public func maxLogOdds(_ pattern: UInt32, over field: MatchField) -> Double {
        table.withUnsafeBufferPointer { t in
            let f = field.rawValue
            let rest = pattern & ~(UInt32(0xF) << (4 * UInt32(f)))
            func classLog(_ c: Int) -> Double {
                var sum = t[c * 128 + 127]
                for g in 0..<8 { sum += t[(c * 8 + g) * 16 + Int((rest >> (4 * UInt32(g))) & 0xF)] }
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
                let match = base.0 + t[(0 * 8 + f) * 16 + level]
                var top = -Double.infinity
                if classes > 1 { top = max(top, base.1 + t[(1 * 8 + f) * 16 + level]) }
                if classes > 2 { top = max(top, base.2 + t[(2 * 8 + f) * 16 + level]) }
                if classes > 3 { top = max(top, base.3 + t[(3 * 8 + f) * 16 + level]) }
                if classes > 4 { top = max(top, base.4 + t[(4 * 8 + f) * 16 + level]) }
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
                    var sum = t[c * 128 + 127]
                    for g in 0..<8 { sum += t[(c * 8 + g) * 16 + Int((rest >> (4 * UInt32(g))) & 0xF)] }
                    base[c] = sum
                }
                // Level 0 too: a field one side lacks stays at 0, no evidence.
                var best = -Double.infinity
                for x in 0...MatchField.address.levelCount {
                    for y in 0...MatchField.name.levelCount {
                        let match = base[0] + t[(0 * 8 + a) * 16 + x] + t[(0 * 8 + n) * 16 + y]
                        var top = -Double.infinity
                        for c in 1..<classes { top = max(top, base[c] + t[(c * 8 + a) * 16 + x] + t[(c * 8 + n) * 16 + y]) }
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
            [0.70, 0.15, 0.07, 0.04, 0.02, 0.012, 0.005, 0.003],
            [0.72, 0.07, 0.04, 0.04, 0.03, 0.10],
            [0.68, 0.03, 0.29],
            [0.46, 0.54]],
        u: [[1e-4, 1 - 1e-4], [2e-4, 1 - 2e-4], [1e-3, 1 - 1e-3], [1.5e-3, 1 - 1.5e-3],
            [0.002, 0.006, 0.03, 0.06, 0.15, 0.05, 0.06, 0.642],
            [0.005, 0.005, 0.003, 0.01, 0.03, 0.947],
            [0.15, 0.02, 0.83],
            [0.23, 0.77]],
        matchShare: 1 / (1 + pow(2, 12)), model: .prior)

    /// Where the non-partner classes start: one that shares names, one that shares
    /// addresses, one like the prior. EM moves them where the registers put them.
    static func startingClasses(_ u: [[Double]]) -> [[[Double]]] {
        var names = u, addresses = u
        names[MatchField.name.rawValue] = [0.3, 0.1, 0.15, 0.15, 0.1, 0.05, 0.05, 0.1]
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
    ///
    /// A fit can fail without a sound: on registers where most partners are spelt beyond
    /// recognition, a class of "different customers" can take the partners and leave the
    /// partners' class a handful of pairs, and nothing is suggested. So every fit is checked
    /// (`degeneracy`), and a failed one falls back: first to one class of different
    /// customers with the signs of the prior's evidence held (`Model.constrained`), then to
    /// the prior's weights with only the partners' share estimated (`Model.prior`). The
    /// weights say which was used and why (`fallback`).
    public static func estimated(from patterns: [UInt32: Int], maxMatches: Int, iterations: Int = 80,
                                 priorPairs: Double = 30, priorSharePairs: Double = 1000, start: MatchWeights = .prior) -> MatchWeights {
        let total = patterns.values.reduce(0, +)
        guard total > 0 else { return start }
        let items = patterns.map { (pattern: $0.key, count: Double($0.value)) }.sorted { $0.pattern < $1.pattern }
        var fit = Fit(items: items, total: Double(total), maxMatches: maxMatches, iterations: iterations,
                      priorPairs: priorPairs, priorSharePairs: priorSharePairs, start: start)
        let full = fit.run(classes: startingClasses(start.u), model: .estimated)
        // The fallbacks hold the share more loosely (a tenth of the pairs at most): the
        // firm hold is what let the full fit shrink the partners to nothing on a few hundred
        // pairs. The prior's weights with the share so fitted are how many partners the
        // hand-set evidence sees: the yardstick of the full fit's share, and the last fallback.
        var loose = fit
        loose.priorSharePairs = min(priorSharePairs, Double(total) / 10)
        var prior = loose.run(classes: [start.u], model: .prior)
        // The constrained fit is the second yardstick: a full fit that finds a third of its
        // partners has lost the rest to a class of "different customers". (A yardstick that
        // takes nearly every customer for a partner, as the prior's weights do on registers
        // of a few company names repeated, measures nothing.)
        var constrained = loose.run(classes: [start.u], model: .constrained)
        let saturated = 0.9 * Double(maxMatches) / Double(total)
        let yardstick = [prior.matchShare, constrained.matchShare].filter { $0 < saturated }.max() ?? 0
        fit.referenceShare = yardstick
        loose.referenceShare = yardstick
        guard let first = fit.degeneracy(of: full) else { return full }
        if let second = loose.degeneracy(of: constrained) {
            prior.fallback = "the full estimate failed (\(first)), and so did one held to the prior's signs (\(second))"
            return prior
        }
        constrained.fallback = "the full estimate failed (\(first))"
        return constrained
    }

    /// One expectation–maximisation over the patterns of a set of candidate pairs.
    struct Fit {
        let items: [(pattern: UInt32, count: Double)]
        let total: Double
        let maxMatches: Int
        let iterations: Int
        let priorPairs: Double
        var priorSharePairs: Double
        let start: MatchWeights
        /// The partners' share a fit must come near (`degeneracy`): the larger of what the
        /// prior's weights and the constrained fit find.
        var referenceShare = 0.0

        /// The fit from `classes` (the non-partners' starting u tables). `.estimated`: every
        /// table free; `.constrained`: after each step, a level whose evidence has the other
        /// sign from the prior's (agreement weighed against, disagreement for) is set back to
        /// no evidence; `.prior`: m and u stay the prior's, only the partners' share moves.
        func run(classes startClasses: [[[Double]]], model: Model) -> MatchWeights {
            let fields = MatchField.allCases
            var m = start.m
            var us = startClasses
            let classes = us.count
            let cap = min(0.5, Double(max(1, maxMatches)) / total)
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
                if model != .prior {
                    for f in fields.map(\.rawValue) {
                        let mSum = mCount[f].reduce(0, +)
                        m[f] = zip(mCount[f], start.m[f]).map { ($0 + priorPairs * $1) / (mSum + priorPairs) }
                        for k in 0..<classes {
                            let uSum = uCounts[k][f].reduce(0, +)
                            us[k][f] = zip(uCounts[k][f], start.u[f]).map { ($0 + priorPairs * $1) / (uSum + priorPairs) }
                            if model == .constrained { Self.holdSigns(&m[f], &us[k][f], prior: (start.m[f], start.u[f])) }
                        }
                    }
                }
                share = min(cap, max(1e-6, (matched + priorSharePairs * start.matchShare) / (total + priorSharePairs)))
                let others = max(1e-12, classTotals.reduce(0, +))
                classShares = classTotals.map { max(1e-9, $0 / others * (1 - share)) }
            }
            // The reasons' u: the classes' average, weighted by their shares.
            var u = zero
            let others = classShares.reduce(0, +)
            for k in 0..<classes {
                for f in u.indices { for level in u[f].indices { u[f][level] += classShares[k] / others * us[k][f][level] } }
            }
            return MatchWeights(m: m, u: u, matchShare: share, model: model,
                                nonMatchClasses: (0..<classes).map { (classShares[$0], us[$0]) })
        }

        /// The first level (agreement) and the last (disagreement) keep the sign of the
        /// prior's evidence: where the fit turned one round, m and u meet at their mean (no
        /// evidence), and the tables are normalised again.
        static func holdSigns(_ m: inout [Double], _ u: inout [Double], prior: ([Double], [Double])) {
            for level in [0, m.count - 1] {
                let priorFor = prior.0[level] > prior.1[level]
                if (m[level] > u[level]) != priorFor && m[level] != u[level] {
                    let mean = (m[level] + u[level]) / 2
                    m[level] = mean
                    u[level] = mean
                }
            }
            let ms = m.reduce(0, +), us = u.reduce(0, +)
            m = m.map { $0 / ms }
            u = u.map { $0 / us }
        }

        /// Why a fit cannot be used, or nil when it can:
        /// - a pair that agrees on name, address and ZIP code (the name with a typo or not, the
        ///   city equal or missing) is not a likely partner (a class of different customers
        ///   took the partners);
        /// - agreement on a field is weighed against, or disagreement for (the prior's sign
        ///   contradicted);
        /// - the partners' share is far below what the prior's weights or the constrained fit
        ///   see in the same pairs (`referenceShare`: under a third of it).
        func degeneracy(of w: MatchWeights) -> String? {
            // An equal address, the name equal or one typo away, an equal ZIP code, the city
            // equal or missing: whatever the registers, such a pair is one customer. (Not a
            // street spelt otherwise: on the project's generator a fit rightly weighs "same
            // number, similar street" with a typo in the name below even, neighbours being
            // what they are.)
            for name in 1...2 {
                for address in 1...1 {
                    for city in [1, 0] {
                        var agree = Comparison.empty
                        agree.set(.name, name)
                        agree.set(.address, address)
                        agree.set(.zip, 1)
                        agree.set(.city, city)
                        let agreeing = w.logOdds(agree.pattern)
                        if agreeing < 0 {
                            return String(format: "a pair with name %@, address %@, equal ZIP code%@ scored %.1f bits",
                                          MatchField.name.levels[name - 1], MatchField.address.levels[address - 1],
                                          city == 1 ? " and city" : "", agreeing)
                        }
                    }
                }
            }
            for f in [MatchField.name, .address, .zip, .city] {
                let first = log2(w.m[f.rawValue][0] / w.u[f.rawValue][0])
                let last = log2(w.m[f.rawValue][f.levelCount - 1] / w.u[f.rawValue][f.levelCount - 1])
                if first <= 0 { return String(format: "an equal %@ weighed %.1f bits", "\(f.syncField.rawValue)", first) }
                if last > 0.5 { return String(format: "a different %@ weighed %+.1f bits", "\(f.syncField.rawValue)", last) }
            }
            // Far fewer partners than the prior's weights see: the partners' class shrank to
            // the few pairs that agree on everything.
            let expected = w.matchShare * total, seen = referenceShare * total
            if seen >= 10 && expected < seen / 3 {
                return String(format: "it expects %.0f partners where simpler fits see %.0f", expected, seen)
            }
            return nil
        }
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
