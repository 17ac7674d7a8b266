/// A company or person name as compared: folded, with the legal form split off.
public struct NameKey: Sendable, Hashable {
    /// The folded words without the legal form: ["jensens", "auto"].
    public let words: [String]
    /// The legal form found, normalised ("aps", "as", "is", "ivs", "ps", "ks", "amba"), or nil.
    public let legalForm: String?

    /// The words with a space between ("jensens auto").
    public let text: String
    /// The words run together ("jensensauto"): made when asked, by a comparison of names with
    /// a different count of words.
    public var joined: String { words.joined() }

    /// Legal forms by their folded spellings (word sequences), longest first.
    static let legalForms: [([String], String)] = [
        (["a", "m", "b", "a"], "amba"), (["amba"], "amba"),
        (["a", "s"], "as"), (["as"], "as"), (["aktieselskab"], "as"), (["aktieselskabet"], "as"),
        (["i", "s"], "is"), (["is"], "is"), (["interessentskab"], "is"), (["interessentskabet"], "is"),
        (["p", "s"], "ps"), (["ps"], "ps"), (["partnerselskab"], "ps"),
        (["k", "s"], "ks"), (["ks"], "ks"), (["kommanditselskab"], "ks"),
        (["aps"], "aps"), (["anpartsselskab"], "aps"), (["anpartsselskabet"], "aps"), (["a", "p", "s"], "aps"),
        (["ivs"], "ivs"), (["i", "v", "s"], "ivs"),
        (["smba"], "smba"), (["s", "m", "b", "a"], "smba"),
        (["ltd"], "ltd"), (["gmbh"], "gmbh"), (["ab"], "ab"), (["inc"], "inc"), (["llc"], "llc"),
    ]

    /// Words a name bears that do not name anyone: connectives and branch words.
    static let fillers: Set<String> = ["og", "and", "und", "et", "the", "afd", "afdeling", "filial", "branch", "avd", "avdeling"]

    static let longestFirst = legalForms.sorted { $0.0.count > $1.0.count }

    public init(_ name: String) {
        var words = Fold.words(name).map(String.init)
        var form: String?
        // A legal form at the end ("Jensens Auto ApS") or the start ("A/S Jensens Auto").
        for (spelling, normal) in Self.longestFirst where words.count > spelling.count {
            if words.suffix(spelling.count).elementsEqual(spelling) {
                words.removeLast(spelling.count)
                form = normal
                break
            }
            if words.prefix(spelling.count).elementsEqual(spelling) {
                words.removeFirst(spelling.count)
                form = normal
                break
            }
        }
        // "og", "&" (folded away) and the words that mark a branch say nothing of who a
        // customer is: "Jensen & Søn" is "Jensen og Søn", and "Netto afd. Vejle" differs from
        // "Netto afd. Horsens" in "Vejle" alone.
        let kept = words.filter { !Self.fillers.contains($0) }
        if !kept.isEmpty { words = kept }
        self.words = words
        self.legalForm = form
        text = words.joined(separator: " ")
    }
}
