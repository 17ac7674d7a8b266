import Foundation

/// Countries as ISO 3166-1 alpha-2 codes, the form both registers store (CleanManager keeps
/// codes; an accounting system such as e-conomic keeps free text: "Danmark", "Denmark",
/// "Sverige", "DK").
///
/// The codes and the names come from CLDR through Foundation's `Locale` (ICU's data, kept up
/// to date with the toolchain), not from a hand list: every country and territory CLDR knows,
/// by its code and by its name in Danish and English, and in the neighbours' languages an
/// accounting system of the region may hold (Swedish, Norwegian, German). A handful of names
/// people write that CLDR does not hold ("Holland", "England", "UK") are added by hand.
public enum Country {
    /// The codes of countries and territories: CLDR's two-letter regions without its groupings
    /// (EU, EZ, UN, QO), so `XX` or `EU` is no country.
    public static let codes: Set<String> = {
        let groupings: Set<String> = ["EU", "EZ", "UN", "QO", "ZZ"]
        return Set(Locale.Region.isoRegions.map(\.identifier).filter { code in
            code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A } && !groupings.contains(code)
        })
    }()

    /// The members of the European Union, as CLDR lists them (the subregions of `EU`).
    public static let europeanUnion: Set<String> = Set(Locale.Region("EU").subRegions.map(\.identifier)).intersection(codes)

    /// Languages whose country names are read, in order of precedence where two languages
    /// give one name to different countries.
    static let nameLanguages = ["da", "en", "sv", "nb", "de"]

    /// Names CLDR does not hold but registers do.
    static let aliases: [String: String] = [
        "holland": "NL", "the netherlands": "NL", "england": "GB", "scotland": "GB", "skotland": "GB", "wales": "GB",
        "great britain": "GB", "uk": "GB", "united states of america": "US", "amerika": "US", "czech republic": "CZ",
        "faeroe islands": "FO", "nordirland": "GB", "northern ireland": "GB",
    ]

    /// Folded name → code.
    static let byName: [String: String] = {
        var out: [String: String] = [:]
        for language in nameLanguages {
            let locale = Locale(identifier: language)
            for code in codes.sorted() {
                guard let name = locale.localizedString(forRegionCode: code) else { continue }
                let key = fold(name)
                if out[key] == nil { out[key] = code }
            }
        }
        for (name, code) in aliases where out[fold(name)] == nil { out[fold(name)] = code }
        return out
    }()

    /// How names are compared: case and accents ignored, dots dropped ("U.S.A."), spaces
    /// collapsed.
    static func fold(_ value: String) -> String {
        Normalize.collapsedSpaces(value.replacingOccurrences(of: ".", with: ""))
            .folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The code of a country given by its code (any case) or by its name; nil when it is
    /// neither.
    public static func code(_ value: String) -> String? {
        let trimmed = Normalize.collapsedSpaces(value)
        if trimmed.utf8.count == 2, trimmed.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
            let upper = trimmed.uppercased()
            if codes.contains(upper) { return upper }
        }
        return byName[fold(trimmed)]
    }

    /// The stored form of a country value: its code when it names a country, else the text as
    /// it is (the field rules then say it is no country code, and a pulled customer carries
    /// that as a warning).
    public static func normalize(_ value: String) -> String {
        code(value) ?? value
    }

    /// The name of a country code in a language (`da`: what a Danish accounting system shows),
    /// or the value as it is when it is no code; `code(_:)` reads the name back.
    public static func name(_ value: String, language: String) -> String {
        let upper = value.uppercased()
        guard codes.contains(upper) else { return value }
        return Locale(identifier: language).localizedString(forRegionCode: upper) ?? value
    }

    /// The Danish name of a code.
    public static func danishName(_ value: String) -> String {
        name(value, language: "da")
    }
}
