/// The rules of a push beside the other sync rules: what may be sent, and what the remote
/// register is taken to hold once the system answered (`PushRemote` applies them).
public enum PushRules {
    /// Why a value cannot be sent because the system holds shorter ones, or nil.
    public static func tooLong(_ values: [SyncField: String?], limits: [SyncField: Int], system: String) -> String? {
        for field in SyncField.allCases {
            guard let limit = limits[field], let value = values[field] ?? nil, value.count > limit else { continue }
            return "\(field.rawValue) is \(value.count) characters long; \(system) holds at most \(limit)"
        }
        return nil
    }

    /// What the system is taken to hold after a push: our values, but a field it changed
    /// meanwhile (one the connector `skipped`, as the system no longer held what we last saw)
    /// keeps the value we saw last. That becomes the last seen, so the change meanwhile meets
    /// ours as a conflict rather than being overwritten.
    public static func sent(_ fields: CustomerFields, seen: CustomerFields?, skipped: Set<SyncField>) -> CustomerFields {
        var sent = fields
        if let seen { for field in skipped { sent[field] = seen[field] } }
        return sent
    }

    /// Whether the system's customer, as it answered, must be read back as a pull would read
    /// it: it changed a field meanwhile (a conflict now), or it holds something other than
    /// what was sent (a value it adds of its own, such as Dinero's country key, reaches the
    /// partner once, and nothing is sent again forever).
    public static func needsReadBack(held: CustomerFields?, sent: CustomerFields, metChange: Bool) -> Bool {
        guard let held else { return false }
        return metChange || held != sent
    }
}
