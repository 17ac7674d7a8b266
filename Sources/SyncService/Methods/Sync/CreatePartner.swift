import JSONRPC
import SyncCore

/// `createPartner`: copies a customer to the opposite side and links the two. Spec:
/// protocol/openrpc.json#createPartner.
public enum CreatePartner: SyncMethod {
    public static let name = "createPartner"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case customerId, number, fields }
        var customerId: String
        /// The partner's number; a JSON number is accepted for a remote number.
        var number: NumberText?
        var fields: [String: String?]?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireLink {
        let id = try ParamsCheck.customerId(p.customerId)
        let fields = try ParamsCheck.fieldValues(p.fields, path: "fields")
        return WireLink(try context.database.createPartner(customerId: id, number: p.number?.text, fields: fields))
    }
}

/// A customer number as a client may send it: a string, or a whole number.
struct NumberText: Decodable, Sendable {
    var text: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            text = s
        } else if let n = try? c.decode(Int.self) {
            text = String(n)
        } else {
            throw DecodingError.dataCorrupted( .init(codingPath: decoder.codingPath, debugDescription: "expected a string or a whole number"))
        }
    }
}
