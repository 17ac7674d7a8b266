import SyncCore

/// What a column of a register file holds.
public enum Column: Sendable, Hashable {
    case number
    case field(SyncField)
    /// A further address line (Uniconta's `Adresse 2`, `Adresse 3`): joined to the address
    /// with ", ".
    case addressLine
    /// ZIP code and city in one column (e-conomic's list label `Post/By`: "8000 Aarhus C"),
    /// split into the two; a column of its own for either wins.
    case zipCity
    /// A column we do not know: kept with the customer under its header.
    case extra(String)

    /// Header names, matched case- and space-insensitively (and ignoring `.`, `-`, `_`, `/`):
    /// CleanManager's Danish and English names, and the accounting systems' own (where each
    /// came from: `protocol/headers.md`).
    static let names: [String: Column] = {
        var table: [String: Column] = [:]
        func add(_ column: Column, _ names: String...) {
            for n in names { table[key(n)] = column }
        }
        add(.number, "Kundenr.", "Kundenummer", "Kunde nr", "Customer no.", "Customer number", "Customer no", "Number", "Nr.", "No.", "Nummer", "Debitornr.", "Debitor nr", "Debitornummer", "Debtor no.", "Debtor number",
            "Konto", "Kontonr.", "Account no.", "Account number", "Contact no.", "Contact number", "Kontaktnr.",
            "Account", "ExternalReference", "External reference", "Ekstern reference", "CustomerNumber", "contactNo")
        add(.field(.name), "Navn", "Customer name", "Name", "Kundenavn", "Firmanavn", "Company name", "Kontonavn", "Account name",
            "Debitornavn", "Debtor name")
        add(.field(.address), "Adresse", "Address", "Vejnavn", "Street", "Street address", "Adresse 1", "Address 1", "Address line 1", "Vej",
            "Address1", "Gade")
        add(.addressLine, "Adresse 2", "Adresse 3", "Address 2", "Address 3", "Address2", "Address3", "Address line 2", "Address line 3")
        add(.field(.zip), "Postnr.", "Postnummer", "ZIP code", "ZIP", "Postal code", "Postcode", "Post code", "Zipcode", "Post nr",
            "zipcodeText", "Zip code text")
        add(.field(.city), "By", "City", "Bynavn", "Town", "City name", "cityText", "City text", "Postdistrikt")
        add(.zipCity, "Post/By", "Postnr./By", "Postnr. og by", "Postnummer og by", "Zip/City", "ZIP code and city", "Postal code and city")
        add(.field(.country), "Land", "Country", "Landekode", "Country code", "CountryKey", "Country id", "countryId")
        add(.field(.cvr), "CVR", "CVR-nr.", "CVR nummer", "CVR-nummer", "CVR no.", "CI no.", "CI number", "VAT no.", "SE-nr.",
            "Corporate identification no.", "Corporate identification number", "VAT number", "VatNumber", "Registration no.",
            "Registration number", "Momsnr.", "Momsnummer", "LegalIdent", "Legal ident", "corporateIdentificationNumber")
        add(.field(.ean), "EAN", "EAN no.", "EAN-nr.", "EAN nummer", "EAN number", "EanNumber", "GLN", "GLN-nr.")
        add(.field(.email), "E-mail", "Email", "Mail", "E-mailadresse", "E-mail-adresse", "E-mail address", "Email address", "ContactEmail",
            "Contact email")
        add(.field(.phone), "Telefon", "Phone", "Tlf.", "Telefonnummer", "Telephone", "Phone number", "Tlf. nr.",
            "Telefon og faxnummer", "Telephone and fax number", "telephoneAndFaxNumber")
        add(.field(.contact), "Att.", "Kontakt", "Contact", "Kontaktperson", "Contact person", "Attention", "Att. person", "AttPerson",
            "Contact name", "ContactPerson")
        return table
    }()

    /// The matching key of a header: lower-cased, without spaces and punctuation.
    static func key(_ header: String) -> String {
        String(header.lowercased().filter { !$0.isWhitespace && !".-_/:#".contains($0) })
    }

    public static func recognise(_ header: String) -> Column {
        let trimmed = header.trimmingWhitespace
        return names[key(trimmed)] ?? .extra(trimmed)
    }

    /// The header the export writes for a column (CleanManager's English names).
    public static func exportHeader(_ column: Column) -> String {
        switch column {
        case .number: "Customer no."
        case .field(let f):
            switch f {
            case .name: "Customer name"
            case .address: "Address"
            case .zip: "ZIP code"
            case .city: "City"
            case .country: "Country"
            case .cvr: "CI no."
            case .ean: "EAN no."
            case .email: "E-mail"
            case .phone: "Phone"
            case .contact: "Contact"
            }
        case .addressLine: "Address 2"
        case .zipCity: "ZIP code and city"
        case .extra(let name): name
        }
    }
}
