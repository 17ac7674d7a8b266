import SyncCore

extension SyncError {
    /// `ImportRejected` for a register with invalid rows (or one that cannot be read at all):
    /// one entry per invalid field, by physical line; nothing was imported.
    public static func importRejected(_ errors: [RowError]) -> SyncError {
        let lines = Set(errors.map(\.line)).count
        let message = errors.count == 1 && errors[0].line <= 1
            ? "import rejected: \(errors[0].message); nothing was imported"
            : "import rejected: \(errors.count) problem(s) on \(lines) line(s); nothing was imported"
        return SyncError(.importRejected, message, details: [
            "errors": .list(errors.map { ["line": .int($0.line), "field": .string($0.field), "message": .string($0.message)] })
        ])
    }
}
