/// The synced fields: compared between partners and copied from one to the other.
/// Customer numbers are per side and never part of this.
public enum SyncField: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case name, address, zip, city, country, email, phone, cvr, ean, contact

    public static func < (a: SyncField, b: SyncField) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The values of the synced fields of one customer. `nil` is an empty field.
public struct CustomerFields: Sendable, Hashable, Codable {
    public var name: String?
    public var address: String?
    public var zip: String?
    public var city: String?
    public var country: String?
    public var email: String?
    public var phone: String?
    public var cvr: String?
    public var ean: String?
    public var contact: String?

    @inlinable
    public init(name: String? = nil, address: String? = nil, zip: String? = nil, city: String? = nil,
                country: String? = nil, email: String? = nil, phone: String? = nil, cvr: String? = nil,
                ean: String? = nil, contact: String? = nil) {
        self.name = name
        self.address = address
        self.zip = zip
        self.city = city
        self.country = country
        self.email = email
        self.phone = phone
        self.cvr = cvr
        self.ean = ean
        self.contact = contact
    }

    public subscript(field: SyncField) -> String? {
        get {
            switch field {
            case .name: name
            case .address: address
            case .zip: zip
            case .city: city
            case .country: country
            case .email: email
            case .phone: phone
            case .cvr: cvr
            case .ean: ean
            case .contact: contact
            }
        }
        set {
            switch field {
            case .name: name = newValue
            case .address: address = newValue
            case .zip: zip = newValue
            case .city: city = newValue
            case .country: country = newValue
            case .email: email = newValue
            case .phone: phone = newValue
            case .cvr: cvr = newValue
            case .ean: ean = newValue
            case .contact: contact = newValue
            }
        }
    }

    /// Every value trimmed; blank values become nil. This is how values are stored.
    public var cleaned: CustomerFields {
        var out = self
        for field in SyncField.allCases { out[field] = Normalize.clean(self[field]) }
        return out
    }
}

/// One field whose values differ between partners (compared after normalisation).
public struct FieldConflict: Sendable, Hashable {
    public var field: SyncField
    public var local: String?
    public var remote: String?
    /// The value both sides last agreed on; nil when they never agreed on this field
    /// (`.some(nil)`: they agreed it was empty).
    public var base: String??

    public init(field: SyncField, local: String?, remote: String?, base: String?? = nil) {
        self.field = field
        self.local = local
        self.remote = remote
        self.base = base
    }
}

extension CustomerFields {
    /// The fields whose normalised values differ, with both raw values, in field order.
    public static func conflicts(local: CustomerFields, remote: CustomerFields) -> [FieldConflict] {
        SyncField.allCases.compactMap { field in
            Normalize.comparable(field, local[field]) == Normalize.comparable(field, remote[field])
                ? nil : FieldConflict(field: field, local: local[field], remote: remote[field])
        }
    }
}
