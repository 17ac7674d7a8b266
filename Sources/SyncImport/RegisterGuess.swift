import SyncCore

/// Which register a file looks like it comes from, by its header: the operations app's
/// (CleanManager: local) or the accounting system's (remote). Shown before an import so that a
/// file is not merged into the wrong register unasked; the user decides.
public enum RegisterGuess {
    public enum Reason: String, Sendable, Encodable {
        /// The same columns as the side's last imported file.
        case sameColumns
        /// Columns only an accounting system's list has (debtor numbers, payment terms, VAT zone…).
        case accountingColumns
        /// Columns only the operations app's list has (how often to clean…).
        case operationsColumns
    }

    public struct Verdict: Sendable, Hashable {
        public var side: Side
        public var reason: Reason
    }

    /// Headers (as `Column.key` folds them) that only an accounting system's customer list or
    /// API has: its own names for the number, name and address parts (`protocol/headers.md`),
    /// and its bookkeeping columns.
    static let accountingKeys: Set<String> = Set([
        "Debitornr.", "Debitor nr", "Debitornummer", "Debtor no.", "Debtor number", "Konto", "Kontonr.", "Account no.", "Account number",
        "Account", "ExternalReference", "External reference", "Ekstern reference", "CustomerNumber", "contactNo", "Kontonavn",
        "Account name", "Debitornavn", "Debtor name", "Post/By", "Postnr./By", "LegalIdent", "Legal ident",
        "corporateIdentificationNumber", "telephoneAndFaxNumber", "Telefon og faxnummer", "Telephone and fax number", "zipcodeText",
        "cityText", "CountryKey", "countryId", "EanNumber", "VatNumber",
        "Betalingsbetingelser", "Payment terms", "Betalingsbetingelse", "Kundegruppe", "Customer group", "Debitorgruppe", "Debtor group",
        "Valuta", "Currency", "Momszone", "VAT zone", "Saldo", "Balance", "Kreditmaksimum", "Credit limit", "Kreditgrænse",
        "Sælger", "Salesperson", "Layout", "paymentTermsNumber", "customerGroupNumber", "vatZoneNumber",
    ].map(Column.key))

    /// Words in a header that only a cleaning company's operations list has.
    static let operationsWords = ["rengøring", "rengoring", "cleaning", "frekvens", "frequency", "serviceadresse", "vinduespolering"]

    /// The side `header` looks like, or nil when nothing tells: first a side whose last file had
    /// nearly the same columns (Jaccard ≥ 0.6 and clearly more like it than the other's), then
    /// columns only one kind of list has.
    public static func guess(header: [String], lastHeaders: [Side: [String]]) -> Verdict? {
        let keys = Set(header.map(Column.key).filter { !$0.isEmpty })
        guard !keys.isEmpty else { return nil }
        var likeness: [(Side, Double)] = []
        for side in Side.allCases {
            guard let last = lastHeaders[side] else { continue }
            let other = Set(last.map(Column.key).filter { !$0.isEmpty })
            let union = keys.union(other).count
            likeness.append((side, union == 0 ? 0 : Double(keys.intersection(other).count) / Double(union)))
        }
        likeness.sort { $0.1 > $1.1 }
        if let best = likeness.first, best.1 >= 0.6, likeness.count == 1 || best.1 - likeness[1].1 >= 0.15 {
            return Verdict(side: best.0, reason: .sameColumns)
        }
        let accounting = !keys.isDisjoint(with: accountingKeys)
        let operations = keys.contains { key in operationsWords.contains { key.contains($0) } }
        if accounting != operations {
            return Verdict(side: accounting ? .remote : .local, reason: accounting ? .accountingColumns : .operationsColumns)
        }
        return nil
    }
}
