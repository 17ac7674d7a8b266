import Foundation

/// Candidate generation by blocking: customers of the two sides that share a blocking key are
/// compared in full; nobody else is. Cost grows with the number of customers and the size of
/// the buckets, not with the product of the register sizes. A bucket with more customers on a
/// side than `maxBucket` (a common surname, a shared switchboard number) is walked by sorted
/// neighbourhood: each side sorted by name and street, a customer meets the `window` nearest
/// of the other side on either hand.
public final class MatchIndex: @unchecked Sendable {
    // Unchecked: built whole in `init` and never changed after; the scoring threads only read.
    public let locals: [MatchRecord]
    public let remotes: [MatchRecord]
    /// The ids of `locals` and of `remotes`, in order (both are sorted by id): a customer's
    /// position by binary search, where a dictionary of two million ids took 70 MB.
    let localIds: [Int64]
    let remoteIds: [Int64]
    /// The blocking keys (their 64-bit hash, `hash`) of the buckets that can pair someone,
    /// sorted, and each one's bucket id: for a customer the index does not hold as it is.
    let liveKeys: [UInt64]
    let liveKeyBuckets: [Int32]
    /// Per bucket id: positions in `locals` and in `remotes` (a large bucket's sorted by
    /// neighbourhood, `localRanks`; none in a bucket that pairs nobody), and whether it is
    /// large. Lists end to end (`FlatLists`): an array per bucket side was most of the index's
    /// memory at a million a side (Benchmarks/README.md).
    let bucketLocals: FlatLists<Int32>
    let bucketRemotes: FlatLists<Int32>
    let bucketIsLarge: [Bool]
    /// Per customer (positions as in `locals`/`remotes`): the buckets it is in.
    let localBuckets: FlatLists<Int32>
    let remoteBuckets: FlatLists<Int32>
    public let maxBucket: Int
    /// Neighbours taken on either hand in a large bucket.
    public let window: Int
    /// Per customer: where its `neighbourhoodKey` sorts among those of both registers (equal
    /// keys, equal ranks; the UTF-8 bytes' order). A large bucket is walked by these numbers:
    /// the keys themselves, a string a customer, were a fifth of the index at a million a side.
    let localRanks: [Int32]
    let remoteRanks: [Int32]
    /// How many customers of both registers bear each name (`NameKey.text`, hashed), and per
    /// customer its name's count: an equal name is weaker evidence the commoner it is
    /// (`nameFrequencyBits`).
    let nameCounts: [UInt64: Int32]
    let localNameCounts: [Int32]
    let remoteNameCounts: [Int32]
    /// The words of names (hashed, sorted) that two customers or more bear, and per customer
    /// whether its name has one: a name of words nobody else bears is garbled or rare, and
    /// its difference from another says less (`weighName`).
    let knownWords: [UInt64]
    /// How many customers bear each of `knownWords`, and Σ count² / Σ count over them.
    let knownWordCounts: [Int32]
    let typicalWordCount: Double
    let localKnownNames: [Bool]
    let remoteKnownNames: [Bool]
    /// Σ count² / Σ count over the names: the count of the name two customers drawn at random
    /// share, on average over the pairs that share one.
    let typicalNameCount: Double
    /// Customers of either register at an address that another customer of the same
    /// register, under another name, has too (`customersSharingAnAddress`).
    public let sharedAddresses: Int
    /// The weights every pair is scored with: estimated from these registers' candidate pairs
    /// (`MatchWeights.estimated`), the hand-set prior when `estimate` is false.
    public private(set) var weights: MatchWeights = .prior

    /// Locals whose candidate pairs the weights are estimated from, at most: enough for every
    /// pattern that matters, and a bounded cost however large the registers.
    public static let estimationSample = 5_000

    public init(records: [MatchRecord], maxBucket: Int = 8, window: Int = 3, estimate: Bool = true) {
        self.maxBucket = maxBucket
        self.window = window
        var locals: [MatchRecord] = []
        var remotes: [MatchRecord] = []
        for r in records { if r.side == .local { locals.append(r) } else { remotes.append(r) } }
        locals.sort { $0.id < $1.id }
        remotes.sort { $0.id < $1.id }
        // Where each customer sorts among both registers, first: its keys (a string a
        // customer) are gone before the blocking keys are hashed.
        let (localRanks, remoteRanks) = Self.neighbourhoodRanks(locals, remotes)
        // Each key's bucket, and how many of each side are in it. A side's hashed keys live
        // only while its buckets are found: at a million a side they were the build's peak.
        var ids: [UInt64: Int32] = [:]
        var localCounts: [Int32] = [], remoteCounts: [Int32] = []
        func keyBuckets(of records: [MatchRecord], local: Bool) -> FlatLists<Int32> {
            // The keys of every customer, on all cores (the dearest part: building their text).
            let keys = Self.hashedKeys(records)
            let buckets = keys.values.map { key in
                let id: Int32
                if let known = ids[key] {
                    id = known
                } else {
                    id = Int32(localCounts.count)
                    ids[key] = id
                    localCounts.append(0)
                    remoteCounts.append(0)
                }
                if local { localCounts[Int(id)] += 1 } else { remoteCounts[Int(id)] += 1 }
                return id
            }
            return FlatLists(offsets: keys.offsets, values: buckets)
        }
        let localKeyBuckets = keyBuckets(of: locals, local: true)
        let remoteKeyBuckets = keyBuckets(of: remotes, local: false)
        // Only buckets that can pair someone are kept; the large ones sorted for their
        // neighbourhoods.
        let live = zip(localCounts, remoteCounts).map { $0 > 0 && $1 > 0 }
        func members(_ keyBuckets: FlatLists<Int32>, counts: [Int32]) -> FlatLists<Int32> {
            var offsets = [Int32](repeating: 0, count: counts.count + 1)
            for b in counts.indices { offsets[b + 1] = offsets[b] + (live[b] ? counts[b] : 0) }
            var next = offsets
            var values = [Int32](repeating: 0, count: Int(offsets[counts.count]))
            for customer in 0..<keyBuckets.count {
                for b in keyBuckets[customer] where live[Int(b)] {
                    values[Int(next[Int(b)])] = Int32(customer)
                    next[Int(b)] += 1
                }
            }
            return FlatLists(offsets: offsets, values: values)
        }
        var bucketLocals = members(localKeyBuckets, counts: localCounts)
        var bucketRemotes = members(remoteKeyBuckets, counts: remoteCounts)
        // The live keys, sorted, and the dictionary of every key let go.
        let liveKeys = ids.filter { live[Int($0.value)] }.sorted { $0.key < $1.key }
        ids = [:]
        self.liveKeys = liveKeys.map(\.key)
        self.liveKeyBuckets = liveKeys.map(\.value)
        var isLarge = [Bool](repeating: false, count: live.count)
        for b in live.indices where live[b] && (localCounts[b] > maxBucket || remoteCounts[b] > maxBucket) {
            isLarge[b] = true
            bucketLocals.values[bucketLocals.range(b)].sort { localRanks[Int($0)] < localRanks[Int($1)] }
            bucketRemotes.values[bucketRemotes.range(b)].sort { remoteRanks[Int($0)] < remoteRanks[Int($1)] }
        }
        // Per customer, the buckets that can pair it.
        func liveBuckets(_ keyBuckets: FlatLists<Int32>) -> FlatLists<Int32> {
            var offsets = [Int32](repeating: 0, count: keyBuckets.count + 1)
            var values: [Int32] = []
            values.reserveCapacity(keyBuckets.values.count)
            for customer in 0..<keyBuckets.count {
                values += keyBuckets[customer].lazy.filter { live[Int($0)] }
                offsets[customer + 1] = Int32(values.count)
            }
            return FlatLists(offsets: offsets, values: values)
        }
        self.localBuckets = liveBuckets(localKeyBuckets)
        self.remoteBuckets = liveBuckets(remoteKeyBuckets)
        self.bucketLocals = bucketLocals
        self.bucketRemotes = bucketRemotes
        self.bucketIsLarge = isLarge
        self.localRanks = localRanks
        self.remoteRanks = remoteRanks
        var nameCounts: [UInt64: Int32] = [:]
        nameCounts.reserveCapacity(records.count)
        let localNames = locals.map { $0.name.text.isEmpty ? 0 : Self.hash($0.name.text) }
        let remoteNames = remotes.map { $0.name.text.isEmpty ? 0 : Self.hash($0.name.text) }
        for h in localNames where h != 0 { nameCounts[h, default: 0] += 1 }
        for h in remoteNames where h != 0 { nameCounts[h, default: 0] += 1 }
        let named = nameCounts.values.reduce(0.0) { $0 + Double($1) }
        typicalNameCount = named > 0 ? nameCounts.values.reduce(0.0) { $0 + Double($1) * Double($1) } / named : 1
        self.nameCounts = nameCounts
        localNameCounts = localNames.map { nameCounts[$0] ?? 0 }
        remoteNameCounts = remoteNames.map { nameCounts[$0] ?? 0 }
        // The words borne by two customers or more, how many bear each, and who bears one.
        let localWords = Self.nameWordHashes(locals), remoteWords = Self.nameWordHashes(remotes)
        var allWords = localWords.values + remoteWords.values
        allWords.sort()
        var knownWords: [UInt64] = [], knownWordCounts: [Int32] = []
        Self.forEachRun(allWords, by: ==) { run in
            if run.count >= 2 {
                knownWords.append(allWords[run.lowerBound])
                knownWordCounts.append(Int32(run.count))
            }
        }
        allWords = []
        self.knownWords = knownWords
        self.knownWordCounts = knownWordCounts
        let countedWords = knownWordCounts.reduce(0.0) { $0 + Double($1) }
        typicalWordCount = countedWords > 0 ? knownWordCounts.reduce(0.0) { $0 + Double($1) * Double($1) } / countedWords : 1
        // From the words' hashes made above (a word of one letter is never a known word).
        let known = knownWords
        func bearKnownWords(_ words: FlatLists<UInt64>) -> [Bool] {
            Parallel.map(Array(0..<words.count)) { i in words[i].contains { Self.position(of: $0, in: known) != nil } }
        }
        localKnownNames = bearKnownWords(localWords)
        remoteKnownNames = bearKnownWords(remoteWords)
        sharedAddresses = Self.customersSharingAnAddress(locals) + Self.customersSharingAnAddress(remotes)
        self.locals = locals
        self.remotes = remotes
        localIds = locals.map(\.id)
        remoteIds = remotes.map(\.id)
        if estimate { weights = estimateWeights() }
        weights.placesAreShared = sharedAddresses >= Self.sharedAddressesForHardNegatives(records.count)
    }

    /// Each record's name words of two letters or more, hashed, once each; computed on all
    /// cores.
    static func nameWordHashes(_ records: [MatchRecord]) -> FlatLists<UInt64> {
        hashedLists(records) { record, list in
            let first = list.count
            for word in record.name.words where word.utf8.count >= 2 {
                let h = hash(word)
                if !list[first...].contains(h) { list.append(h) }
            }
        }
    }

    /// Where `value` is in a sorted array, by binary search.
    static func position<T: Comparable>(of value: T, in sorted: [T]) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }

    /// Customers of a register at an address (ZIP code, street, number, floor, door) that
    /// another customer of the same register, under another name, has too.
    static func customersSharingAnAddress(_ records: [MatchRecord]) -> Int {
        // (place, name) a customer, on all cores; 0 for one without a full address or a name.
        var placed: [(place: UInt64, name: UInt64)] = Parallel.map(records) { r in
            guard let a = r.address, !a.street.isEmpty, let number = a.number, !r.name.text.isEmpty else { return (0, 0) }
            var place = FNV1a()
            for part in [r.zip ?? "", a.street, number, a.floor ?? "", a.door ?? ""] {
                place.mix(part)
                place.mix(0x7C)
            }
            return (place.value, FNV1a.hash(r.name.text))
        }
        placed.removeAll { $0.place == 0 && $0.name == 0 }
        placed.sort { $0.place != $1.place ? $0.place < $1.place : $0.name < $1.name }
        var count = 0
        forEachRun(placed, by: { $0.place == $1.place }) { run in
            if placed[run.upperBound - 1].name != placed[run.lowerBound].name { count += run.count }
        }
        return count
    }

    /// The runs of neighbours that are `same` in a sorted array, as ranges, in order.
    static func forEachRun<T>(_ sorted: [T], by same: (T, T) -> Bool, _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count && same(sorted[end], sorted[start]) { end += 1 }
            body(start..<end)
            start = end
        }
    }

    /// How many customers sharing an address (`customersSharingAnAddress`) show that the
    /// registers hold several customers at one address: one in a thousand, and at least two.
    /// (FEBRL's registers hold none; a cleaning company's, offices and flats, many.)
    static func sharedAddressesForHardNegatives(_ customers: Int) -> Int { max(2, customers / 1000) }

    /// Each customer's rank among the `neighbourhoodKey`s of both registers (`localRanks`):
    /// sorted by the keys' first sixteen bytes as two numbers, and by the whole key only where
    /// those are equal.
    static func neighbourhoodRanks(_ locals: [MatchRecord], _ remotes: [MatchRecord]) -> ([Int32], [Int32]) {
        let keys = (locals + remotes).map { record in
            var key = record.neighbourhoodKey
            key.makeContiguousUTF8()
            return key
        }
        typealias Entry = (high: UInt64, low: UInt64, index: Int32)
        @Sendable func less(_ a: Entry, _ b: Entry) -> Bool {
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return utf8Less(keys[Int(a.index)], keys[Int(b.index)])
        }
        // Sorted in parts on every core, then merged.
        let cores = max(1, min(ProcessInfo.processInfo.activeProcessorCount, keys.count / 4096))
        var parts: [[Entry]] = Parallel.chunks(cores) { part, parts in
            var sorted = (keys.count * part / parts..<keys.count * (part + 1) / parts).map { i -> Entry in
                (prefix(keys[i], from: 0), prefix(keys[i], from: 8), Int32(i))
            }
            sorted.sort(by: less)
            return sorted
        }
        while parts.count > 1 {
            let a = parts.removeFirst(), b = parts.removeFirst()
            var merged: [Entry] = []
            merged.reserveCapacity(a.count + b.count)
            var i = 0, j = 0
            while i < a.count && j < b.count {
                if less(b[j], a[i]) { merged.append(b[j]); j += 1 } else { merged.append(a[i]); i += 1 }
            }
            merged += a[i...]
            merged += b[j...]
            parts.append(merged)
        }
        let order = parts.first ?? []
        var ranks = [Int32](repeating: 0, count: keys.count)
        var rank: Int32 = 0
        for n in order.indices {
            if n > 0 && (order[n].high != order[n - 1].high || order[n].low != order[n - 1].low
                || !keys[Int(order[n].index)].utf8.elementsEqual(keys[Int(order[n - 1].index)].utf8)) { rank += 1 }
            ranks[Int(order[n].index)] = rank
        }
        return (Array(ranks[..<locals.count]), Array(ranks[locals.count...]))
    }

    /// Eight UTF-8 bytes of a key from `start`, big-endian (zeros past its end): numbers in
    /// the bytes' order.
    static func prefix(_ key: String, from start: Int) -> UInt64 {
        var value: UInt64 = 0
        var n = 0
        for byte in key.utf8.dropFirst(start).prefix(8) {
            value = value << 8 | UInt64(byte)
            n += 1
        }
        return n == 0 ? 0 : value << (8 * UInt64(8 - n))
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s.
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The position of the customer `id` in `locals` (or `remotes`), if the index holds it.
    func position(of id: Int64, local: Bool) -> Int? {
        Self.position(of: id, in: local ? localIds : remoteIds)
    }

    /// The bucket of a blocking key, when it can pair someone.
    func bucket(ofKey key: String) -> Int32? {
        Self.position(of: Self.hash(key), in: liveKeys).map { liveKeyBuckets[$0] }
    }

    /// Counts the comparison patterns of the candidate pairs (of every local, or of an even
    /// sample of `estimationSample` of them) and estimates the weights from them.
    func estimateWeights() -> MatchWeights {
        let step = max(1, locals.count / Self.estimationSample)
        let sample = Array(stride(from: 0, to: locals.count, by: step))
        // The patterns counted on all cores, a dictionary a chunk, merged after.
        let counted = Parallel.chunks(max(1, min(16, sample.count / 256))) { chunk, chunks in
            var patterns: [UInt32: Int] = [:]
            for n in stride(from: chunk, to: sample.count, by: chunks) {
                let i = sample[n]
                // Compared as the pairing compares them (`pairComparison`), to the last step.
                forEachCandidate(ofLocal: i) { r in
                    patterns[pairComparison(local: i, remote: Int(r)).pattern, default: 0] += 1
                }
            }
            return patterns
        }
        let patterns = counted.reduce(into: [UInt32: Int]()) { $0.merge($1, uniquingKeysWith: +) }
        // One-to-one: no more true pairs among the sampled locals than there are of them or
        // of the remotes.
        let maxMatches = min(sample.count, remotes.count)
        return MatchWeights.estimated(from: patterns, maxMatches: maxMatches)
    }

    /// Two customers scored with this index's weights, alone (no rivals weighed).
    public func compare(_ a: MatchRecord, _ b: MatchRecord) -> MatchScore {
        Scorer.score(comparison(a, b), weights: weights)
    }

    /// Two customers compared, with the name's frequency weighed.
    func comparison(_ a: MatchRecord, _ b: MatchRecord) -> Comparison {
        var comparison = Comparison(a, b)
        weighName(&comparison, nameCount(a), nameCount(b), known: knownName(a) && knownName(b), names: (a.name, b.name))
        return comparison
    }

    /// An equal name borne by `a` and `b` customers (the counts of the two spellings) weighed
    /// by the commoner: `nameFrequencyBits`. A name's word that contradicts the other name
    /// only does so when others bear it too: a word typed beyond recognition ("Jsca" for
    /// "Jessica", "Jbmh eazmqy") is no evidence of another customer, as a real name is. So
    /// two names that differ, one of them of words nobody else bears (`known` false), compare
    /// as a short form, and a shared word beside words that differ counts as one name shared
    /// unless each side's differing words include one that others bear.
    @inline(__always) func weighName(_ comparison: inout Comparison, _ a: Int32, _ b: Int32, known: Bool,
                                     names: (NameKey, NameKey)) {
        let level = comparison.level(.name)
        if level == 1 { comparison.nameFrequencyBits = nameFrequencyBits(max(a, b)) }
        if level == Comparison.nameDifferent && !known { comparison.set(.name, Comparison.nameShortForm) }
        var level3 = level == 3
        if level == Comparison.nameSharedOtherDiffers
            && !(differsInAKnownWord(names.0, from: names.1) && differsInAKnownWord(names.1, from: names.0)) {
            comparison.set(.name, 3)
            level3 = true
        }
        if level3 { comparison.nameFrequencyBits = sharedWordFrequencyBits(names.0, names.1) }
    }

    /// The evidence a shared name word carries beyond its level's average, as
    /// `nameFrequencyBits` for a whole name: log2(typical / count) of the rarest word the two
    /// names share, never above 0 ("Jensen" shared says less than "Thorsø").
    func sharedWordFrequencyBits(_ a: NameKey, _ b: NameKey) -> Double {
        var rarest = Int32.max
        for w in a.words where w.utf8.count >= 2 && b.words.contains(w) {
            if let i = Self.position(of: Self.hash(w), in: knownWords) { rarest = min(rarest, knownWordCounts[i]) }
        }
        return rarest == .max ? 0 : min(0, log2(typicalWordCount / Double(rarest)))
    }

    /// Whether `name` has a word of three letters or more that no word of `other` can be
    /// (`Similarity.wordsAgree`) and that two customers or more bear. (Of one or two letters,
    /// "ER" for "Berry", a word is too short to contradict anything.)
    func differsInAKnownWord(_ name: NameKey, from other: NameKey) -> Bool {
        name.words.contains { w in
            w.utf8.count >= 3 && !other.words.contains { Similarity.wordsAgree(w, $0) }
                && Self.position(of: Self.hash(w), in: knownWords) != nil
        }
    }

    /// Whether a name that differs from another says it is another customer: whether it has
    /// a word two customers or more bear. A name of words nobody else bears is garbled or
    /// rare, and says nothing. (Judging a name of short words, "PL", by its letters alone, as
    /// an abbreviation that must fit, lost more true pairs than it kept false ones out on
    /// dupehell's companies: recall 0.98 → 0.95.)
    static func judgedByItsWords(_ name: NameKey, _ knownWords: [UInt64]) -> Bool {
        name.words.contains { position(of: hash($0), in: knownWords) != nil }
    }

    /// Whether the name of `record` has a word two customers or more bear.
    func knownName(_ record: MatchRecord) -> Bool {
        if let i = positionOfName(record) { return record.side == .local ? localKnownNames[i] : remoteKnownNames[i] }
        return Self.judgedByItsWords(record.name, knownWords)
    }

    /// The odds, under the model, that a pair comparing so is one customer, alone.
    func odds(_ comparison: Comparison) -> Double {
        exp2(weights.logOdds(comparison.pattern) + comparison.nameFrequencyBits)
    }

    /// How many customers of the registers bear `record`'s name.
    func nameCount(_ record: MatchRecord) -> Int32 {
        if let i = positionOfName(record) { return record.side == .local ? localNameCounts[i] : remoteNameCounts[i] }
        return record.name.text.isEmpty ? 0 : nameCounts[Self.hash(record.name.text)] ?? 0
    }

    /// Where the index holds `record` with the name it has now: its facts by position hold.
    func positionOfName(_ record: MatchRecord) -> Int? {
        let isLocal = record.side == .local
        guard let i = position(of: record.id, local: isLocal) else { return nil }
        let held = isLocal ? locals[i] : remotes[i]
        return held === record || held.name == record.name ? i : nil
    }

    /// The evidence an equal name borne by `count` customers carries beyond its level's
    /// average, in bits: log2(typical / count) (as Splink's term-frequency adjustment: a
    /// value's u is how often it occurs), where `typicalNameCount` is the count of the name
    /// an agreeing pair shares on average. Never above 0: a rare name keeps its level's
    /// weight, which the estimate made for names as they come; a common one ("Anne Jensen"
    /// thrice on each side) weighs less.
    public func nameFrequencyBits(_ count: Int32) -> Double {
        count <= 0 ? 0 : min(0, log2(typicalNameCount / Double(count)))
    }

    /// The weights in a line, for the benches: each field's bits per level.
    public var weightsSummary: String {
        let fields = MatchField.allCases.map { f in
            "\(f): " + (1...f.levelCount).map { String(format: "%.1f", weights.weight(f, $0)) }.joined(separator: "/")
        }
        return "\(weights.model.rawValue)" + (weights.fallback.map { " (\($0))" } ?? "") + String(format: " weights, match share %.4f (%.1f bits); ", weights.matchShare, weights.priorBits)
            + fields.joined(separator: ", ") + "; \(sharedAddresses) customers at a shared address" + (weights.placesAreShared ? " (places shared)" : "")
    }

    public func record(id: Int64) -> MatchRecord? {
        if let i = position(of: id, local: true) { return locals[i] }
        return position(of: id, local: false).map { remotes[$0] }
    }

    /// The customers of the other side that share a blocking key with `record` (in a large
    /// bucket: its neighbours there).
    public func candidates(for record: MatchRecord) -> [MatchRecord] {
        let isLocal = record.side == .local
        var out: [MatchRecord] = []
        if let i = position(of: record.id, local: isLocal), (isLocal ? locals[i] : remotes[i]) == record {
            forEachCandidate(isLocal ? localBuckets[i] : remoteBuckets[i], at: .rank(isLocal ? localRanks[i] : remoteRanks[i]), local: isLocal) {
                out.append(isLocal ? remotes[Int($0)] : locals[Int($0)])
            }
        } else {
            // Not held as it is (added or changed since the index was built): its keys' buckets,
            // and its place in a large one by its key, against the others' keys made on the way.
            forEachCandidate(record.blockingKeys.compactMap(bucket(ofKey:))[...], at: .key(record.neighbourhoodKey), local: isLocal) {
                out.append(isLocal ? remotes[Int($0)] : locals[Int($0)])
            }
        }
        return out
    }

    /// Each record's blocking keys, hashed, computed on all cores; the lists end to end.
    static func hashedKeys(_ records: [MatchRecord]) -> FlatLists<UInt64> {
        hashedLists(records) { record, list in
            for key in record.blockingKeys { list.append(hash(key)) }
        }
    }

    /// A list of hashes a record, made by `append` (which appends one record's to the values
    /// so far) on all cores, a chunk of records at a time; the lists end to end.
    static func hashedLists(_ records: [MatchRecord], _ append: @Sendable (MatchRecord, inout [UInt64]) -> Void) -> FlatLists<UInt64> {
        let chunkSize = 1024
        let chunks = Parallel.chunks((records.count + chunkSize - 1) / chunkSize) { chunk, _ in
            var lists = FlatLists<UInt64>(offsets: [0], values: [])
            for record in records[(chunk * chunkSize)..<min(records.count, (chunk + 1) * chunkSize)] {
                append(record, &lists.values)
                lists.offsets.append(Int32(lists.values.count))
            }
            return lists
        }
        var all = FlatLists<UInt64>(offsets: [0], values: [])
        all.values.reserveCapacity(chunks.reduce(0) { $0 + $1.values.count })
        all.offsets.reserveCapacity(records.count + 1)
        for chunk in chunks {
            let base = Int32(all.values.count)
            all.values += chunk.values
            all.offsets += chunk.offsets.dropFirst().map { $0 + base }
        }
        return all
    }

    /// A blocking key as the index holds it: 64-bit FNV-1a of its text (a collision only
    /// compares two more customers).
    static func hash(_ key: String) -> UInt64 { FNV1a.hash(key) }

    /// The positions on the other side of the candidates of the local at `position`, once each.
    func forEachCandidate(ofLocal position: Int, _ body: (Int32) -> Void) {
        forEachCandidate(localBuckets[position], at: .rank(localRanks[position]), local: true, body)
    }

    /// Where a customer sorts in a large bucket: its rank when the index holds it, else its key.
    enum Place {
        case rank(Int32)
        case key(String)
    }

    /// The positions of the other side's customers in `buckets` (in a large one: the
    /// `window` on either hand of `place`), once each.
    func forEachCandidate(_ buckets: ArraySlice<Int32>, at place: Place, local isLocal: Bool, _ body: (Int32) -> Void) {
        var seen = Set<Int32>(minimumCapacity: 64)
        let ranks = isLocal ? remoteRanks : localRanks
        let others = isLocal ? remotes : locals
        func sortsBefore(_ other: Int32) -> Bool {
            switch place {
            case .rank(let rank): ranks[Int(other)] < rank
            case .key(let key): Self.utf8Less(others[Int(other)].neighbourhoodKey, key)
            }
        }
        for b in buckets {
            var others = isLocal ? bucketRemotes[Int(b)] : bucketLocals[Int(b)]
            if bucketIsLarge[Int(b)] {
                // The first of the other side that sorts at or after this customer.
                var low = others.startIndex, high = others.endIndex
                while low < high {
                    let mid = (low + high) / 2
                    if sortsBefore(others[mid]) { low = mid + 1 } else { high = mid }
                }
                others = others[max(others.startIndex, low - window)..<min(others.endIndex, low + window)]
            }
            for i in others where seen.insert(i).inserted { body(i) }
        }
    }

    /// Scored candidates of one customer among `eligible` ones, best first (`among`: its
    /// candidates, when the caller has them already). Each is weighed against its rivals as
    /// `pairing` weighs it: the customer's other candidates and the candidate's other
    /// customers that score `rivalFloor` or more alone.
    public func suggestions(for record: MatchRecord, among candidates: [MatchRecord]? = nil, eligible: (Int64) -> Bool, limit: Int) -> [(MatchRecord, MatchScore)] {
        let pool = (candidates ?? self.candidates(for: record)).filter { eligible($0.id) }
        let compared = pool.map { other in
            let c = comparison(record, other)
            return (other: other, comparison: c, odds: odds(c))
        }
        let mine = compared.map(\.odds).filter { $0 >= Self.floorOdds }
        var scored: [(MatchRecord, MatchScore)] = compared.map { other, comparison, odds in
            // This customer's other candidates at the floor.
            let isRival = odds >= Self.floorOdds
            var rivals = (sum: mine.reduce(0, +) - (isRival ? odds : 0), count: mine.count - (isRival ? 1 : 0))
            if isRival {
                // The candidate's own other customers: only a pair that scores at the floor
                // can lose enough to them to matter.
                for theirs in self.candidates(for: other) where theirs.id != record.id && eligible(theirs.id) {
                    let o = self.odds(self.comparison(theirs, other))
                    if o >= Self.floorOdds { rivals.sum += o; rivals.count += 1 }
                }
            }
            return (other, Self.score(comparison, odds: odds, rivals: rivals, weights: weights))
        }
        scored.sort { $0.1.score != $1.1.score ? $0.1.score > $1.1.score : $0.0.id < $1.0.id }
        return Array(scored.prefix(limit))
    }

    /// A pair's score weighed against its rivals' odds (their sum and how many): the share of
    /// its odds in all of theirs and its own, with 1 for "neither customer's partner is among
    /// these": o / (1 + o + Σ rivals). Alone, this is the model's probability, o / (1 + o).
    static func score(_ comparison: Comparison, odds: Double, rivals: (sum: Double, count: Int), weights: MatchWeights) -> MatchScore {
        var match = Scorer.score(comparison, weights: weights)
        guard rivals.count > 0 else { return match }
        let p = weighed(odds, against: rivals.sum)
        match.score = Scorer.shown(p)
        match.rivals = rivals.count
        // What the rivals take, in bits of log-odds: log2(p / (1 - p)) against log2(odds).
        match.rivalWeight = min(0, log2(p / (1 - p)) - log2(odds))
        return match
    }
}

/// One suggested pair.
///
/// It keeps what its score was made from (the comparison, its odds and its rivals'), and
/// makes the reasons (`match`) when asked: a page asks for fifty, and a pairing of a million a
/// side holds hundreds of thousands, whose reasons on the heap were a third of its memory.
public struct Suggestion: Sendable, Hashable {
    public var localId: Int64
    public var remoteId: Int64
    /// The score (`match.score`), by which pairings are ordered and cut.
    public let score: Double
    let comparison: Comparison
    let odds: Double
    let rivalSum: Double
    let rivalCount: Int
    let weights: SharedWeights

    /// The weights a pairing's suggestions were scored with, held once for all of them.
    final class SharedWeights: Sendable {
        let weights: MatchWeights
        init(_ weights: MatchWeights) { self.weights = weights }
    }

    /// The score with its reasons and rivals.
    public var match: MatchScore {
        MatchIndex.score(comparison, odds: odds, rivals: (rivalSum, rivalCount), weights: weights.weights)
    }

    public static func == (a: Suggestion, b: Suggestion) -> Bool {
        a.localId == b.localId && a.remoteId == b.remoteId && a.score == b.score && a.comparison == b.comparison
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(localId)
        hasher.combine(remoteId)
        hasher.combine(score)
    }
}

extension MatchIndex {
    /// The best one-to-one pairing of eligible customers with a score of at least `minScore`:
    /// every candidate pair is scored (on all cores), then pairs are taken best first, skipping
    /// any whose customer is already taken. Ordered by score, then local id.
    public func pairing(minScore: Double, eligible: @Sendable (Int64) -> Bool) -> [Suggestion] {
        let chunks = max(1, min(64, locals.count / 512))
        let chunkSize = (locals.count + chunks - 1) / chunks
        let weights = self.weights  // one copy for every chunk, not one a pair
        // Pairs are collected down to the rivals' floor: they count against each other.
        let floor = min(minScore, Self.rivalFloor)
        // The log-odds below which no pair reaches the floor (a margin for the rounding).
        let minLogOdds = floor <= 0 ? -Double.infinity : floor >= 1 ? Double.infinity : log2(floor / (1 - floor)) - 0.01
        // Who may be paired, asked once a customer: asked once a candidate pair, the caller's
        // set was a sixth of a million-a-side pairing's time.
        let localEligible = locals.map { eligible($0.id) }, remoteEligible = remotes.map { eligible($0.id) }
        let results = Parallel.chunks(chunks) { chunk, _ in
            var found: [Rival] = []
            var reachableByPattern: [UInt32: Bool] = [:]
            let start = chunk * chunkSize
            let end = min(locals.count, start + chunkSize)
            guard start < end else { return found }
            // Through buffers: a record is read where it lies, never copied.
            locals.withUnsafeBufferPointer { locals in
                remotes.withUnsafeBufferPointer { remotes in
                    for i in start..<end where localEligible[i] {
                        forEachCandidate(ofLocal: i) { j in
                            guard remoteEligible[Int(j)] else { return }
                            // The cheap fields and the address first; the name (the dearest)
                            // only if some level of it could lift the pair to the floor.
                            var comparison = Comparison(cheapFieldsOf: locals[i], remotes[Int(j)])
                            // Neither address nor name could lift the pair: not compared. (The
                            // answer depends on the cheap fields' pattern alone; a few dozen occur.)
                            let cheap = comparison.pattern
                            let reachable: Bool
                            if let known = reachableByPattern[cheap] {
                                reachable = known
                            } else {
                                reachable = weights.maxLogOdds(cheap, overAddressAndName: ()) >= minLogOdds
                                reachableByPattern[cheap] = reachable
                            }
                            guard reachable else { return }
                            comparison.compareAddresses(locals[i], remotes[Int(j)])
                            if Comparison.bothHaveNames(locals[i], remotes[Int(j)]) {
                                guard weights.maxLogOdds(comparison.pattern, over: .name) >= minLogOdds else { return }
                                comparison.compareNames(locals[i], remotes[Int(j)])
                                weighName(&comparison, localNameCounts[i], remoteNameCounts[Int(j)],
                                          known: localKnownNames[i] && remoteKnownNames[Int(j)], names: (locals[i].name, remotes[Int(j)].name))
                            }
                            let logOdds = weights.logOdds(comparison.pattern) + comparison.nameFrequencyBits
                            guard logOdds >= minLogOdds else { return }
                            found.append(Rival(local: Int32(i), remote: j, logOdds: logOdds))
                        }
                    }
                }
            }
            return found
        }
        // Each customer's pairs at the floor or above: their summed odds and how many. (The
        // chunks' pairs are read where they are: one array of them all would copy them, and
        // at a million a side they are hundreds of megabytes.)
        var localRivals = [(sum: Double, count: Int)](repeating: (0, 0), count: locals.count)
        var remoteRivals = [(sum: Double, count: Int)](repeating: (0, 0), count: remotes.count)
        for r in results.joined() where r.odds >= Self.floorOdds {
            localRivals[Int(r.local)].sum += r.odds
            localRivals[Int(r.local)].count += 1
            remoteRivals[Int(r.remote)].sum += r.odds
            remoteRivals[Int(r.remote)].count += 1
        }
        // The pairs at `minScore` or above, as their score and where they lie: the greedy
        // pass below keeps about half of them, and only those become `Suggestion`s.
        var all: [(score: Double, local: Int32, remote: Int32, chunk: Int32, index: Int32)] = []
        for (chunk, found) in results.enumerated() {
            for (index, r) in found.enumerated() {
                // Both customers' pairs but this one, which each of them counted.
                let own = r.odds >= Self.floorOdds ? 1 : 0
                let l = localRivals[Int(r.local)], m = remoteRivals[Int(r.remote)]
                let rivals = (sum: max(0, l.sum + m.sum - 2 * Double(own) * r.odds), count: l.count + m.count - 2 * own)
                let score = rivals.count > 0 ? Scorer.shown(Self.weighed(r.odds, against: rivals.sum))
                                             : Scorer.shown(Scorer.probability(logOdds: r.logOdds))
                guard score >= minScore else { continue }
                all.append((score, r.local, r.remote, Int32(chunk), Int32(index)))
            }
        }
        // Best first, then by local id, then by remote id (positions follow the ids' order).
        all.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.local != b.local { return a.local < b.local }
            return a.remote < b.remote
        }
        var usedLocal = [Bool](repeating: false, count: locals.count)
        var usedRemote = [Bool](repeating: false, count: remotes.count)
        var kept: [(score: Double, rival: Rival)] = []
        for candidate in all where !usedLocal[Int(candidate.local)] && !usedRemote[Int(candidate.remote)] {
            usedLocal[Int(candidate.local)] = true
            usedRemote[Int(candidate.remote)] = true
            kept.append((candidate.score, results[Int(candidate.chunk)][Int(candidate.index)]))
        }
        // The kept pairs' comparisons made again, on all cores.
        let shared = Suggestion.SharedWeights(weights)
        let rivalsOfKept: [(sum: Double, count: Int)] = kept.map { score, r in
            let own = r.odds >= Self.floorOdds ? 1 : 0
            let l = localRivals[Int(r.local)], m = remoteRivals[Int(r.remote)]
            return (max(0, l.sum + m.sum - 2 * Double(own) * r.odds), l.count + m.count - 2 * own)
        }
        let keptPairs = kept
        let parts = max(1, min(16, keptPairs.count / 4096))
        let made: [[Suggestion]] = Parallel.chunks(parts) { part, parts in
            var out: [Suggestion] = []
            for n in keptPairs.count * part / parts..<keptPairs.count * (part + 1) / parts {
                let (score, r) = keptPairs[n]
                let comparison = pairComparison(local: Int(r.local), remote: Int(r.remote))
                out.append(Suggestion(localId: locals[Int(r.local)].id, remoteId: remotes[Int(r.remote)].id, score: score,
                                      comparison: comparison, odds: r.odds, rivalSum: rivalsOfKept[n].sum,
                                      rivalCount: rivalsOfKept[n].count, weights: shared))
            }
            return out
        }
        return made.flatMap { $0 }
    }

    /// A pair at this score or above is a rival of every other pair of its two customers.
    public static let rivalFloor = 0.2
    static let floorOdds = rivalFloor / (1 - rivalFloor)

    /// The probability of a pair of `odds` whose rivals' odds sum to `others`.
    static func weighed(_ odds: Double, against others: Double) -> Double { odds / (1 + odds + others) }

    /// A pair scored on its own, before its rivals are weighed.
    /// (Its comparison is made again for the pairs kept: held for every pair collected, it
    /// was 64 bytes of each of millions at a million a side.)
    struct Rival {
        var local: Int32
        var remote: Int32
        var logOdds: Double
        var odds: Double { exp2(logOdds) }
    }

    /// A pair's comparison as `pairing` makes it: the cheap fields, the address, the name
    /// with its frequency weighed.
    func pairComparison(local i: Int, remote j: Int) -> Comparison {
        var comparison = Comparison(cheapFieldsOf: locals[i], remotes[j])
        comparison.compareAddresses(locals[i], remotes[j])
        if Comparison.bothHaveNames(locals[i], remotes[j]) {
            comparison.compareNames(locals[i], remotes[j])
            weighName(&comparison, localNameCounts[i], remoteNameCounts[j], known: localKnownNames[i] && remoteKnownNames[j],
                      names: (locals[i].name, remotes[j].name))
        }
        return comparison
    }
}

/// Lists of values stored end to end: list `i` is `values[offsets[i]..<offsets[i + 1]]`. One
/// allocation for millions of short lists, where an array each costs a heap object apiece.
struct FlatLists<Element: Sendable>: Sendable {
    var offsets: [Int32]
    var values: [Element]

    var count: Int { offsets.count - 1 }

    func range(_ i: Int) -> Range<Int> { Int(offsets[i])..<Int(offsets[i + 1]) }

    subscript(i: Int) -> ArraySlice<Element> { values[range(i)] }
}
