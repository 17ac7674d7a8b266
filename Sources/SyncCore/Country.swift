/// Country values as registers hold them: CleanManager stores two-letter codes (DK), while
/// accounting exports often write the name ("Danmark", "Denmark"). Codes are upper-cased, and
/// the names of the countries Danish businesses deal with most, in Danish and English, become
/// their codes; anything else is left as it is (and the field rules then refuse it).
public enum Country {
    static let names: [String: String] = [
        "danmark": "DK", "denmark": "DK", "sverige": "SE", "sweden": "SE", "norge": "NO", "norway": "NO",
        "finland": "FI", "island": "IS", "iceland": "IS", "færøerne": "FO", "faroe islands": "FO",
        "grønland": "GL", "greenland": "GL", "tyskland": "DE", "germany": "DE", "deutschland": "DE",
        "holland": "NL", "nederlandene": "NL", "netherlands": "NL", "the netherlands": "NL",
        "belgien": "BE", "belgium": "BE", "frankrig": "FR", "france": "FR", "storbritannien": "GB",
        "england": "GB", "united kingdom": "GB", "uk": "GB", "polen": "PL", "poland": "PL",
        "spanien": "ES", "spain": "ES", "italien": "IT", "italy": "IT", "østrig": "AT", "austria": "AT",
        "schweiz": "CH", "switzerland": "CH", "irland": "IE", "ireland": "IE", "usa": "US",
        "united states": "US", "estland": "EE", "estonia": "EE", "letland": "LV", "latvia": "LV",
        "litauen": "LT", "lithuania": "LT", "portugal": "PT", "tjekkiet": "CZ", "czech republic": "CZ",
    ]

    /// The stored form of a country value.
    public static func normalize(_ value: String) -> String {
        if value.utf8.count == 2, value.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
            return value.uppercased()
        }
        return names[Normalize.collapsedSpaces(value).lowercased()] ?? value
    }

    /// The Danish name of a code (what a Danish accounting system shows), or the value as it
    /// is when it is not a code we know. `normalize` turns the name back into the code.
    public static func danishName(_ value: String) -> String {
        danishNames[value.uppercased()] ?? value
    }

    static let danishNames: [String: String] = [
        "DK": "Danmark", "SE": "Sverige", "NO": "Norge", "FI": "Finland", "IS": "Island", "FO": "Færøerne",
        "GL": "Grønland", "DE": "Tyskland", "NL": "Holland", "BE": "Belgien", "FR": "Frankrig",
        "GB": "Storbritannien", "PL": "Polen", "ES": "Spanien", "IT": "Italien", "AT": "Østrig",
        "CH": "Schweiz", "IE": "Irland", "US": "USA", "EE": "Estland", "LV": "Letland", "LT": "Litauen",
        "PT": "Portugal", "CZ": "Tjekkiet",
    ]
}
