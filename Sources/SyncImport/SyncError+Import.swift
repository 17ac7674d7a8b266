import SyncCore

extension SyncError {
    /// `ImportRejected` for a register with invalid rows (or one that cannot be read at all):
    /// one entry per invalid field, by physical line; nothing was imported.
    public static func importRejected(_ errors: [RowError]) -> SyncError {
        let lines = Set(errors.map(\.line)).count
        let message = errors.count == 1 && errors[0].line <= 1
            ? "import rejected: \(errors[0].message); nothing was imported"
            : "import rejected: \(errors.count) problem(s) on \(lines) line(s); nothing was imported"
        var details: [String: SyncError.Detail] = [
            "errors": .list(errors.map { ["line": .int($0.line), "field": .string($0.field), "message": .string($0.message)] })
        ]
        // A file that cannot be read as a register at all (empty, not a workbook, past a
        // limit) has its own shape: no row is at fault, so no field is either. `errors`
        // still lists it as a row error, for clients written before (`errors.md`).
        if errors.count == 1, errors[0].field == "file" {
            details["file"] = .object(["message": .string(errors[0].message), "line": errors[0].line > 0 ? .int(errors[0].line) : .null])
        }
        return SyncError(.importRejected, message, details: details)
    }
}
