import Foundation
import SyncCore
import SyncStore
import Testing

/// The stored connection: automatic sync is kept with it, for the same system only.
@Suite("Stored connection")
struct ConnectionStoreTests {
    func connection(_ system: String, _ url: String = "https://example.test") -> StoredConnection {
        StoredConnection(system: system, baseUrl: url, sealedTokens: [1, 2, 3], settings: "{}")
    }

    @Test func automaticSyncStaysWithTheSameSystemAndEndsWithAnother() throws {
        let db = try AppDatabase.inMemory()
        #expect(try db.setAutoSync(RoundSchedule(everySeconds: 60)) == false, "nothing to store it with")
        try db.saveConnection(connection("e-conomic"))
        #expect(try db.setAutoSync(RoundSchedule(everySeconds: 60, fullEverySeconds: 600)))
        try db.notePull(at: "2026-12-07T10:00:00.000Z", mark: "m1", error: nil, full: true)
        try db.notePull(at: "2026-12-07T10:01:00.000Z", mark: "m2", error: nil)
        try db.noteAutoRound(AutoRounds(lastAt: "2026-12-07T10:01:00.000Z", lastError: #"{"code":1014}"#, failures: 2, failingSince: "2026-12-07T10:00:30.000Z"))
        var stored = try #require(try db.connection())
        #expect(stored.autoSync == RoundSchedule(everySeconds: 60, fullEverySeconds: 600))
        #expect(stored.lastFullPull == "2026-12-07T10:00:00.000Z", "only a full pull moves it")
        #expect(stored.autoRounds.failures == 2 && stored.autoRounds.lastError == #"{"code":1014}"#)
        // New tokens for the same system (a revoked grant renewed): everything else stays.
        var renewed = connection("e-conomic")
        renewed.sealedTokens = [9]
        try db.saveConnection(renewed)
        stored = try #require(try db.connection())
        #expect(stored.sealedTokens == [9])
        #expect(stored.autoSync != nil && stored.pullMark == "m2" && stored.lastFullPull != nil)
        // Turned off, then on again: the failures start from nothing.
        try db.setAutoSync(nil)
        #expect(try db.connection()?.autoSync == nil)
        try db.setAutoSync(RoundSchedule(everySeconds: 30))
        #expect(try db.connection()?.autoRounds.failures == 0)
        // Another system: a fresh start, automatic sync off.
        try db.saveConnection(connection("dinero"))
        stored = try #require(try db.connection())
        #expect(stored.autoSync == nil && stored.pullMark == nil && stored.lastPull == nil && stored.lastFullPull == nil)
    }
}
