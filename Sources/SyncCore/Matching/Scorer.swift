import Foundation

/// Why a pair scored as it did: one entry per field compared.
public struct MatchReason: Sendable, Hashable {
    public enum Verdict: String, Sendable {
        case equal, similar, different
    }
    public var field: SyncField
    public var verdict: Verdict
    /// For names, streets: the similarity in [0, 1].
    public var similarity: Double?
    /// The evidence in bits (log2 of the likelihood ratio): positive for, negative against.
    public var weight: Double
    /// The level of agreement in words ("one name shared", "one digit off").
    public var level: String?

    public init(field: SyncField, verdict: Verdict, similarity: Double?, weight: Double, level: String? = nil) {
        self.field = field
        self.verdict = verdict
        self.similarity = similarity
        self.weight = weight
        self.level = level
    }
}

/// A compared pair.
public struct MatchScore: Sendable, Hashable {
    /// The probability-like score in [0, 1].
    public var score: Double
    public var reasons: [MatchReason]
    /// The other pairs of either customer that score `MatchIndex.rivalFloor` or more on their
    /// own (0 when scored alone), and the evidence in bits they take from this one (≤ 0).
    public var rivals = 0
    public var rivalWeight = 0.0

    public init(score: Double, reasons: [MatchReason], rivals: Int = 0, rivalWeight: Double = 0) {
        self.score = score
        self.reasons = reasons
        self.rivals = rivals
        self.rivalWeight = rivalWeight
    }
}

/// Fellegi–Sunter scoring: each field both customers have is compared to a level of
/// agreement (`Comparison`), each level carries log2(m / u) bits of evidence
/// (`MatchWeights`: estimated from the registers, or the hand-set prior), and the sum plus the
/// prior odds that a compared pair is a true one goes through a logistic: the score is the
/// probability, under the model, that the two are one customer. Fields missing on either side
/// contribute nothing.
public enum Scorer {
    public static func compare(_ a: MatchRecord, _ b: MatchRecord, weights: MatchWeights = .prior) -> MatchScore {
        score(Comparison(a, b), weights: weights)
    }

    public static func score(_ comparison: Comparison, weights: MatchWeights) -> MatchScore {
        var reasons: [MatchReason] = []
        let total = weights.logOdds(comparison.pattern) + comparison.nameFrequencyBits
        // What the score counted: a field the names' difference sets aside weighs 0.
        let scored = weights.scored(comparison.pattern)
        for field in MatchField.allCases {
            let level = comparison.level(field)
            guard level > 0 else { continue }
            let counted = Comparison.level(field, of: scored) == level
            let weight = (counted ? weights.weight(field, level) : 0) + (field == .name ? comparison.nameFrequencyBits : 0)
            let verdict: MatchReason.Verdict = level == 1 ? .equal : level == field.levelCount ? .different : .similar
            let similarity: Double? = switch field {
            case .name: comparison.nameSimilarity.map(rounded)
            case .address: comparison.streetSimilarity.map(rounded)
            case .city: comparison.citySimilarity.map(rounded)
            default: nil
            }
            reasons.append(MatchReason(field: field.syncField, verdict: verdict, similarity: similarity, weight: rounded(weight), level: field.levels[level - 1]))
        }
        return MatchScore(score: shown(probability(logOdds: total)), reasons: reasons)
    }

    /// `score(_:weights:).score` without the reasons.
    public static func shownScore(_ comparison: Comparison, weights: MatchWeights) -> Double {
        shown(probability(logOdds: weights.logOdds(comparison.pattern) + comparison.nameFrequencyBits))
    }

    public static func probability(logOdds: Double) -> Double { 1 / (1 + pow(2, -logOdds)) }

    /// A probability as scores are shown: rounded down to three decimals, never a certain 1.
    static func shown(_ p: Double) -> Double { (p * 1000).rounded(.down) / 1000 }

    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
