import JSONRPC
import SyncCore
import SyncStore

/// `resolveConflict`: a choice (`local`/`remote`) or a value for every conflicting field; both
/// customers get the chosen values and the link becomes `synced`. Spec:
/// protocol/openrpc.json#resolveConflict.
public enum ResolveConflict: SyncMethod {
    public static let name = "resolveConflict"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case linkId, choices, values, expectedVersion }
        var linkId: String
        var choices: [String: Choice]?
        var values: [String: String?]?
        var expectedVersion: Int?
    }

    enum Choice: String, Sendable, ClosedStringSet { case local, remote }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireLink {
        let linkId = try ParamsCheck.linkId(p.linkId)
        var resolutions: [SyncField: AppDatabase.Resolution] = [:]
        for key in (p.choices ?? [:]).keys.sorted() {
            resolutions[try ParamsCheck.field(key, path: "choices.\(key)")] = p.choices![key] == .local ? .local : .remote
        }
        for (field, value) in try ParamsCheck.fieldValues(p.values, path: "values") {
            if resolutions[field] != nil {
                throw RPCError.invalidParams("'\(field.rawValue)' has both a choice and a value; give one", path: "values.\(field.rawValue)")
            }
            resolutions[field] = .value(value)
        }
        let link = try context.database.resolveConflict(linkId: linkId, resolutions: resolutions, expectedVersion: p.expectedVersion)
        return WireLink(link)
    }
}
