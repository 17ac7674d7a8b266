import Foundation

/// Work split over every core (`DispatchQueue.concurrentPerform`), results in order: the one
/// way the match index, its records and its pairing use both cores.
public enum Parallel {
    /// `body(chunk, chunks)` for every chunk in `0..<chunks`; the results in chunk order.
    public static func chunks<T>(_ chunks: Int, _ body: @Sendable (Int, Int) -> T) -> [T] {
        guard chunks > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: chunks)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let base = UncheckedPointer(results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in base.pointer[chunk] = body(chunk, chunks) }
        return results.map { $0! }
    }

    /// `transform` of each element, a part of them on each core, in order.
    public static func map<T: Sendable, U>(_ items: [T], _ transform: @Sendable (T) -> U) -> [U] {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, items.count))
        guard parts > 1 else { return items.map(transform) }
        return [U](unsafeUninitializedCapacity: items.count) { buffer, count in
            let base = UncheckedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for i in (items.count * part / parts)..<(items.count * (part + 1) / parts) {
                    (base.pointer + i).initialize(to: transform(items[i]))
                }
            }
            count = items.count
        }
    }
}

/// A pointer that parts of `concurrentPerform` write to at distinct indexes (unchecked: no
/// two parts touch one index, and the caller reads only after every part returned).
struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
