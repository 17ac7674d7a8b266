import Foundation

/// A bounded hand-over of items from one producer thread to one consumer, in batches, so a
/// file can be read and checked on one core while the rows are written on the other; and of
/// the producer's last word (`End`: its report, or why it failed).
///
/// The consumer iterates it as a `Sequence`; the producer calls `send` and then `finish`.
/// `cancel` (from the consumer, when it stops early) makes `send` drop everything, so the
/// producer never blocks on a consumer that has gone.
///
/// `@unchecked Sendable`: every shared member is read and written under `condition`, but
/// `pending`, which only the producer touches.
final class RowPipe<Element: Sendable, End: Sendable>: Sequence, @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Element]] = []
    private var pending: [Element] = []
    private var end: End?
    private var cancelled = false
    private let batchSize: Int
    private let capacity: Int

    /// `capacity` batches of `batchSize` items may wait before `send` blocks.
    init(batchSize: Int = 1024, capacity: Int = 16) {
        self.batchSize = batchSize
        self.capacity = capacity
        pending.reserveCapacity(batchSize)
    }

    /// Producer: adds one item (handed over when a batch is full).
    func send(_ item: Element) {
        pending.append(item)
        if pending.count >= batchSize { flush() }
    }

    /// Producer: hands over what is left and ends the sequence with its last word.
    func finish(_ end: End) {
        flush()
        condition.lock()
        self.end = end
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the producer's last word, once it has finished (waits until then).
    func waitForEnd() -> End {
        condition.lock()
        defer { condition.unlock() }
        while end == nil { condition.wait() }
        return end!
    }

    /// Consumer: stop; items sent from now on are dropped.
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        condition.lock()
        while batches.count >= capacity && !cancelled { condition.wait() }
        if !cancelled { batches.append(batch) }
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next batch, or nil once the producer finished and everything was taken.
    func nextBatch() -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && end == nil && !cancelled { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    struct Iterator: IteratorProtocol {
        let pipe: RowPipe
        var batch: [Element] = []
        var index = 0

        mutating func next() -> Element? {
            while index >= batch.count {
                guard let next = pipe.nextBatch() else { return nil }
                batch = next
                index = 0
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    func makeIterator() -> Iterator { Iterator(pipe: self) }
}
