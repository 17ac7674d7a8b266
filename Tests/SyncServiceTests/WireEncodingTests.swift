import Foundation
import JSONRPC
import SyncCore
import SyncService
import Testing

/// The wire objects written by hand (`JSONWritable`) are byte for byte what `JSONEncoder`
/// writes for them with the router's options, on values chosen to be awkward: every control
/// character, quotes, backslashes, slashes, non-ASCII letters and emoji, extra columns whose
/// names sort differently by UTF-8 bytes than by letters, absent values, deleted sides.
@Suite("Wire encoding")
struct WireEncodingTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func written(_ value: some JSONWritable) -> String {
        var out = JSONOutput()
        value.writeJSON(to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static let awkward: [String?] = [
        nil, "", "plain", "quote \" and backslash \\", "a/b http://x.dk/", "tab\tnew\nline\rcr", "\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
        "Ærø Øster Åby é ü", "emoji 🧹 and 🇩🇰", "\u{2028}\u{2029}", "null", "0012",
    ]

    static func customer(_ i: Int) -> Customer {
        let pick = { (k: Int) in awkward[(i + k) % awkward.count] }
        let fields = CustomerFields(name: pick(1), address: pick(2), zip: pick(3), city: pick(4), country: pick(5), email: pick(6),
                                    phone: pick(7), cvr: pick(8), ean: pick(9), contact: pick(10))
        let extra: [String: String] = i % 3 == 0 ? [:] : ["Zebra": pick(0) ?? "", "att.": "x", "Æble": "y", "a": pick(11) ?? "", "B": "\u{01}"]
        return Customer(id: Int64(i + 1), side: i % 2 == 0 ? .local : .remote, number: i % 5 == 0 ? nil : "\(1000 + i)",
                        fields: fields, extra: extra, state: CustomerState.allCases[i % CustomerState.allCases.count],
                        linkId: i % 4 == 0 ? nil : Int64(i), version: i + 1)
    }

    @Test func customersAreWrittenAsTheEncoderWritesThem() throws {
        for i in 0..<48 {
            let wire = WireCustomer(Self.customer(i))
            #expect(Self.written(wire) == (try Self.encoded(wire)), "customer \(i)")
        }
    }

    @Test func linksAndPagesAreWrittenAsTheEncoderWritesThem() throws {
        for i in 0..<24 {
            let conflicts = (0..<(i % 4)).map { k in
                FieldConflict(field: SyncField.allCases[(i + k) % SyncField.allCases.count], local: Self.awkward[(i + k) % 12],
                              remote: Self.awkward[(i + k + 5) % 12], base: k == 0 ? nil : k == 1 ? .some(nil) : .some("base /\u{0C}"))
            }
            let link = Link(id: Int64(i + 1), state: LinkState.allCases[i % 3], local: i % 5 == 1 ? nil : Self.customer(i),
                            remote: i % 5 == 2 ? nil : Self.customer(i + 7), conflicts: conflicts, version: i)
            #expect(Self.written(WireLink(link)) == (try Self.encoded(WireLink(link))), "link \(i)")
        }
        for (n, estimated) in [(0, false), (1, false), (5, true), (30, false)] {
            let page = WirePage(items: (0..<n).map { WireCustomer(Self.customer($0)) }, nextCursor: n == 5 ? nil : "YWZ0ZXI6Mw==",
                                total: n * 7, totalEstimated: estimated)
            #expect(Self.written(page) == (try Self.encoded(page)), "page of \(n)")
            let links = WirePage(items: (0..<n).map { i in WireLink(Link(id: Int64(i), state: .synced, local: Self.customer(i), remote: nil, conflicts: [], version: 1)) },
                                 nextCursor: nil, total: n)
            #expect(Self.written(links) == (try Self.encoded(links)), "page of \(n) links")
        }
    }
}
