import Foundation

/// The table of methods: decodes params into each method's own type, calls its handler and
/// encodes its result. Errors come back as `RPCError`s; anything unexpected becomes -32603.
public struct Router<Context> {
    typealias Handler = (_ message: UnsafeBufferPointer<UInt8>, _ request: Request, _ context: Context, _ info: RequestInfo) throws -> [UInt8]

    /// A registered method: its handler and how it is scheduled.
    struct Entry {
        let handler: Handler
        let scheduling: Scheduling
    }

    var entries: [String: Entry] = [:]

    public init() {}

    /// The registered method names, sorted.
    public var methodNames: [String] { entries.keys.sorted() }

    public func contains(_ method: String) -> Bool { entries[method] != nil }

    public mutating func register<M: RPCMethod>(_ method: M.Type) where M.Context == Context {
        precondition(entries[M.name] == nil, "method \(M.name) registered twice")
        entries[M.name] = Entry(handler: { message, request, context, info in
            let params = try Self.decodeParams(M.self, message: message, request: request)
            return try M.resultBytes(M.handle(params, context: context, request: info))
        }, scheduling: M.scheduling)
    }

    /// How requests of `method` are scheduled (an unknown method is answered in order).
    public func scheduling(of method: String) -> Scheduling {
        entries[method]?.scheduling ?? .ordered
    }

    /// The method's entry, looked up once per request.
    func entry(_ method: String) -> Entry? { entries[method] }

    /// Runs the handler for `request`. The caller has checked the envelope.
    func call(_ request: Request, message: UnsafeBufferPointer<UInt8>, context: Context, info: RequestInfo = .inProcess) throws -> [UInt8] {
        try call(entries[request.method], request, message: message, context: context, info: info)
    }

    func call(_ entry: Entry?, _ request: Request, message: UnsafeBufferPointer<UInt8>, context: Context, info: RequestInfo) throws -> [UInt8] {
        guard let entry else { throw RPCError.methodNotFound(request.method) }
        return try entry.handler(message, request, context, info)
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        if let writable = value as? any JSONWritable {
            var out = JSONOutput()
            writable.writeJSON(to: &out)
            return out.bytes
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw RPCError.internalError("result could not be encoded")
        }
    }

    static func decodeParams<M: RPCMethod>(_: M.Type, message: UnsafeBufferPointer<UInt8>, request: Request) throws -> M.Params {
        if request.paramsIsArray {
            throw RPCError.invalidParams("params must be an object (by name), not an array", path: nil)
        }
        var spelledInSnakeCase = false
        if let keys = request.paramsKeys, Set(keys).count != keys.count {
            var once = Set<String>()
            let twice = keys.first { !once.insert($0).inserted }!
            throw RPCError.invalidParams("'\(twice)' is given twice", path: twice)
        }
        if !M.acceptsUnknownParams, let keys = request.paramsKeys {
            let known = Set(M.Params.CodingKeys.allCases.map(\.stringValue))
            for key in keys where !known.contains(key) {
                guard let camel = ParamName.camelCase(key), known.contains(camel) else {
                    throw RPCError.invalidParams("unknown field '\(key)'", path: key)
                }
                if keys.contains(camel) {
                    throw RPCError.invalidParams("'\(key)' and '\(camel)' are the same param, given twice", path: key)
                }
                spelledInSnakeCase = true
            }
        }
        // Nothing to decode: the checks above are all that params without members get (a
        // decoder cost two thirds of a `ping`).
        if let none = NoParams() as? M.Params { return none }
        let data: Data
        if let range = request.paramsRange {
            data = Data(UnsafeBufferPointer(rebasing: message[range]))
        } else {
            data = Data("{}".utf8)
        }
        let decoder = JSONDecoder()
        if spelledInSnakeCase {
            // Only the method's own (top-level) names: the members of a map such as `fields`
            // or `choices` are data and keep their spelling.
            decoder.keyDecodingStrategy = .custom { path in
                let key = path[path.count - 1]
                guard path.count == 1, let camel = ParamName.camelCase(key.stringValue) else { return key }
                return ParamName(stringValue: camel)
            }
        }
        do {
            return try decoder.decode(M.Params.self, from: data)
        } catch let error as DecodingError {
            // Foundation reports a number that fits no integer (1.5, 2^63, 1e308 for an Int
            // member) as invalid JSON at the root, without a path: find the member it was.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let (path, literal) = Self.unfittingNumber(in: data, decoding: M.Params.self, with: decoder) {
                throw RPCError.invalidParams("expected an integer that fits in 64 bits (got \(literal))", path: path)
            }
            throw RPCError(decoding: error)
        }
    }
}

extension Router {
    /// The member whose number no integer holds, found by trying each such number as 0: the
    /// one whose replacement makes the root error go away (only run on a failed decode).
    static func unfittingNumber<P: Decodable>(in data: Data, decoding: P.Type, with decoder: JSONDecoder) -> (String, String)? {
        guard let params = try? JSONValue.parse(Array(data)) else { return nil }
        var candidates: [(path: [PathStep], literal: String)] = []
        func walk(_ value: JSONValue, _ path: [PathStep]) {
            switch value {
            case .number(let literal) where Int(literal) == nil: candidates.append((path, literal))
            case .array(let items): for (i, item) in items.enumerated() { walk(item, path + [.index(i)]) }
            case .object(let members): for (key, member) in members.sorted(by: { $0.key < $1.key }) { walk(member, path + [.key(key)]) }
            default: break
            }
        }
        walk(params, [])
        for candidate in candidates {
            let changed = replacing(params, at: candidate.path[...], with: .number("0"))
            do {
                _ = try decoder.decode(P.self, from: Data(changed.jsonText.utf8))
                return (describe(candidate.path), candidate.literal)
            } catch let error as DecodingError {
                if case .dataCorrupted(let context) = error, context.codingPath.isEmpty { continue }
                return (describe(candidate.path), candidate.literal)
            } catch {
                continue
            }
        }
        return nil
    }

    enum PathStep { case key(String), index(Int) }

    static func replacing(_ value: JSONValue, at path: ArraySlice<PathStep>, with new: JSONValue) -> JSONValue {
        guard let step = path.first else { return new }
        switch (step, value) {
        case (.key(let key), .object(var members)):
            members[key] = members[key].map { replacing($0, at: path.dropFirst(), with: new) }
            return .object(members)
        case (.index(let i), .array(var items)) where items.indices.contains(i):
            items[i] = replacing(items[i], at: path.dropFirst(), with: new)
            return .array(items)
        default:
            return value
        }
    }

    static func describe(_ path: [PathStep]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let key): out += (out.isEmpty ? "" : ".") + key
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }
}

extension RPCError {
    /// -32602 from a decoding failure, naming the field by its path (`numbering.start`, `customerIds[2]`).
    public init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self = .invalidParams("missing required field '\(key.stringValue)'", path: Self.path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            self = .invalidParams("must not be null", path: Self.path(context.codingPath))
        case .typeMismatch(let type, let context):
            self = .invalidParams("expected \(Self.describe(type))", path: Self.path(context.codingPath))
        case .dataCorrupted(let context):
            self = .invalidParams(context.debugDescription, path: Self.path(context.codingPath))
        @unknown default:
            self = .invalidParams("\(error)", path: nil)
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String? {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out.isEmpty ? nil : out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is ProgressToken.Type: return "an integer or a string"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }
}

/// A params member's name. The protocol's names are camelCase; a top-level param may also come
/// spelled in snake_case (`customer_id` for `customerId`), as clients generated for Python
/// send them (transport.md).
public struct ParamName: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }

    /// `customer_id` → `customerId`; nil when `name` is not snake_case with at least one `_`
    /// between lowercase words.
    public static func camelCase(_ name: String) -> String? {
        let words = name.split(separator: "_", omittingEmptySubsequences: false)
        guard words.count > 1, words.allSatisfy({ word in
            !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        }) else { return nil }
        return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
