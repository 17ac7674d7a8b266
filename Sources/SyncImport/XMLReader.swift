import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Base of the small SAX readers of XLSX and ODS parts. The delegate methods live here and call overridable
/// hooks: on Linux a subclass's own delegate methods would not be seen through the protocol.
class XMLReader: NSObject, XMLParserDelegate {
    /// Why the part was refused, once a reader found a value it must not trust: the parse
    /// stops there and `parse` throws it.
    private(set) var failure: String?
    private weak var parser: XMLParser?

    func fail(_ message: String) {
        guard failure == nil else { return }
        failure = message
        parser?.abortParsing()
    }

    func start(_ name: String, _ attributes: [String: String]) {}
    func end(_ name: String) {}
    func characters(_ string: String) {}

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        start(name, attributes)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        end(name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        characters(string)
    }

    /// An element's name without its namespace prefix (`x:row` → `row`).
    static func localName(_ name: String) -> Substring {
        name.split(separator: ":").last ?? Substring(name)
    }

    /// Parses a part as `XLSXReader.extract` gave it (its UTF-8 checked there).
    func parse(_ data: Data) throws {
        // Through a stream, so the parser gets the XML in chunks: a part over 10 MB handed over
        // whole trips libxml2's limit on one chunk ("broken XML").
        try run(XMLParser(stream: InputStream(data: data)))
    }

    /// Parses a file in chunks, never reading it whole (its UTF-8 checked as it was written).
    func parse(contentsOf url: URL) throws {
        guard let stream = InputStream(url: url) else { throw XLSXReader.Failure(description: "the unpacked sheet could not be read") }
        try run(XMLParser(stream: stream))
    }

    private func run(_ parser: XMLParser) throws {
        parser.delegate = self
        parser.shouldProcessNamespaces = false
        self.parser = parser
        let parsed = parser.parse()
        if let failure { throw XLSXReader.Failure(description: failure) }
        if !parsed {
            throw XLSXReader.Failure(description: "not an XLSX file (broken XML: \(parser.parserError.map { "\($0)" } ?? "unknown error"))")
        }
    }
}

/// Collects the attributes of every element with one of the wanted names.
final class ElementCollector: XMLReader {
    let wanted: Set<Substring>
    /// In document order, each by its local name.
    var elements: [(name: Substring, attributes: [String: String])] = []

    init(wanted: Set<Substring>) { self.wanted = wanted }

    override func start(_ name: String, _ attributes: [String: String]) {
        let local = Self.localName(name)
        if wanted.contains(local) { elements.append((local, attributes)) }
    }

    /// The attributes of the first element of that local name.
    func first(_ name: Substring) -> [String: String]? {
        elements.first { $0.name == name }?.attributes
    }
}
