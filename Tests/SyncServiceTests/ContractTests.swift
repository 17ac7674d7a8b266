import Foundation
import JSONRPC
import SyncCore
@testable import SyncService
import SyncStore
import TestSupport
import Testing

/// The registry, the OpenRPC document and the errors table must tell the same story.
@Suite("Contract")
struct ContractTests {
    func openRPC() throws -> JSONValue {
        try JSONValue.parse(Array(try Data(contentsOf: Paths.protocolDirectory.appendingPathComponent("openrpc.json"))))
    }

    func methodNames(_ doc: JSONValue) -> [String] {
        guard case .array(let methods)? = doc["methods"] else { return [] }
        return methods.compactMap { $0["name"]?.stringValue }.sorted()
    }

    @Test func registryAndOpenRPCNameTheSameMethods() throws {
        #expect(Registry.router().methodNames == methodNames(try openRPC()))
    }

    @Test func embeddedDocumentIsTheProtocolFile() throws {
        #expect(try JSONValue.parse(Array(EmbeddedOpenRPC.json.utf8)) == openRPC())
    }

    @Test func everyDomainErrorIsDocumented() throws {
        let errorsTable = try String(contentsOf: Paths.protocolDirectory.appendingPathComponent("errors.md"), encoding: .utf8)
        let components = try openRPC()["components"]?["errors"]
        for kind in SyncError.Kind.allCases {
            let error = SyncError(kind, "x")
            #expect(!ErrorCode.reserved.contains(error.code.rawValue), "\(kind) must lie outside the reserved range")
            #expect(errorsTable.contains("| \(error.code.rawValue) | `\(kind.rawValue)` |"), "errors.md lists \(kind)")
            #expect(components?[kind.rawValue]?["code"]?.intValue == error.code.rawValue, "openrpc.json lists \(kind)")
        }
        for (code, kind) in [(-32700, "ParseError"), (-32600, "InvalidRequest"), (-32600, "MessageTooLarge"), (-32600, "ShutDown"),
                             (-32601, "MethodNotFound"), (-32602, "InvalidParams"), (-32603, "InternalError")] {
            #expect(errorsTable.contains("| \(code) | `\(kind)` |"), "errors.md lists \(kind)")
        }
    }

    /// What off-the-shelf generators (openrpcclientgenerator; clients/python/tests/
    /// test_generated_client.py) need of the document, kept so an edit cannot undo it: errors
    /// inline, required params before optional ones, every method with a result, and component
    /// schemas that are objects with properties or enums (plain-type aliases are inlined).
    @Test func theDocumentStaysUsableByGenerators() throws {
        let doc = try openRPC()
        guard case .array(let methods)? = doc["methods"] else { Issue.record("no methods"); return }
        for method in methods {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["result"] != nil, "\(name) has a result")
            if case .array(let errors)? = method["errors"] {
                for error in errors { #expect(error["code"] != nil && error["$ref"] == nil, "\(name): errors inline") }
            }
            if case .array(let params)? = method["params"] {
                let required = params.map { $0["required"] == .bool(true) }
                #expect(required == required.sorted { $0 && !$1 }, "\(name): required params first")
            }
        }
        guard case .object(let schemas)? = doc["components"]?["schemas"] else { Issue.record("no schemas"); return }
        // A generated Python model named like a builtin class resolves to the builtin (a
        // component `Warning` broke openrpcclientgenerator's client: pydantic got the class
        // `Warning`). Python 3.11's builtin classes:
        let pythonBuiltins: Set<String> = Set("""
            ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError \
            BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError \
            DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup FileExistsError \
            FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError \
            IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError \
            NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning \
            PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning \
            StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError \
            UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning \
            ValueError Warning ZeroDivisionError
            """.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        for (name, schema) in schemas {
            #expect(schema["properties"] != nil || schema["enum"] != nil, "component \(name) is an object with properties or an enum")
            #expect(!pythonBuiltins.contains(name), "component \(name) is not named like a Python builtin class")
        }
        // Every object result is a named component, written `type: object` + `allOf: [$ref]`
        // (generators.md says why), or the empty object.
        for method in methods {
            let name = method["name"]?.stringValue ?? "?"
            guard let result = method["result"]?["schema"], result["type"] == "object" else { continue }
            if case .object(let properties)? = result["properties"], properties.isEmpty { continue }
            guard case .array(let all)? = result["allOf"], all.count == 1, let ref = all[0]["$ref"]?.stringValue else {
                Issue.record("\(name): an object result is `allOf` of one named schema")
                continue
            }
            #expect(schemas[String(ref.split(separator: "/").last ?? "")] != nil, "\(name): \(ref) exists")
        }
        // Every `$ref` anywhere names a component that exists.
        func refs(_ value: JSONValue, into out: inout [String]) {
            switch value {
            case .object(let members):
                if let ref = members["$ref"]?.stringValue { out.append(ref) }
                for member in members.values { refs(member, into: &out) }
            case .array(let items): for item in items { refs(item, into: &out) }
            default: break
            }
        }
        var all: [String] = []
        refs(doc, into: &all)
        for ref in Set(all) {
            let parts = ref.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components"
                && doc["components"]?[parts[2]]?[parts[3]] != nil, "\(ref) resolves")
        }
        // The `data` of every error kind has a schema whose `kind` is that kind.
        guard case .object(let errors)? = doc["components"]?["errors"] else { Issue.record("no errors"); return }
        for kind in errors.keys {
            #expect(schemas["\(kind)ErrorData"]?["properties"]?["kind"]?["const"]?.stringValue == kind, "\(kind)ErrorData")
        }
    }

    @Test func everyMethodHasParamsResultAndErrors() throws {
        guard case .array(let methods)? = try openRPC()["methods"] else {
            Issue.record("no methods")
            return
        }
        for method in methods {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["params"] != nil, "\(name) params")
            #expect(method["paramStructure"] == "by-name", "\(name) paramStructure")
            if name != "exit" {
                #expect(method["result"]?["schema"] != nil, "\(name) result schema")
                #expect(method["errors"] != nil, "\(name) errors")
            }
        }
    }
}

/// The lifecycle methods in-process.
@Suite("Lifecycle methods")
struct LifecycleTests {
    let rpc: InProcess<ServiceContext>

    init() throws {
        rpc = InProcess(Registry.connection(database: try AppDatabase.inMemory()))
    }

    @Test func initializeListsTheRegistry() throws {
        let result = try rpc.call("initialize", #"{"clientInfo":{"name":"test"}}"#)["result"]
        #expect(result?["methods"] == .array(Registry.router().methodNames.map(JSONValue.string)))
        #expect(result?["protocolVersion"] == "1")
        #expect(result?["serverInfo"]?["name"] == "customer-sync")
    }

    @Test func discoverAnswersTheDocument() throws {
        let result = try rpc.call("rpc.discover")["result"]
        #expect(result?["openrpc"] == "1.3.2")
    }

    @Test func shutdownThenOnlyExit() throws {
        #expect(try rpc.call("shutdown")["result"] == [:])
        #expect(try rpc.call("ping", id: 2)["error"]?["data"]?["kind"] == "ShutDown")
        #expect(rpc.send(#"{"jsonrpc":"2.0","method":"exit"}"#) == nil)
        #expect(rpc.connection.session.state == .exited)
    }
}
