import ISO7816

/// A PIN (or PUK) kept in one NVM record, with a retry counter that is decremented and
/// committed *before* the comparison, so that cutting power during a wrong try never gives
/// the try back.
public struct PINObject: Sendable {
    public let record: RecordID

    public init(record: RecordID) {
        self.record = record
    }

    /// The stored record; `nil` if the PIN was never installed.
    public func read(from memory: some NonVolatileMemory) -> PINRecord? {
        memory.read(record).flatMap(PINRecord.init(bytes:))
    }

    /// Tries left (0 when blocked or absent).
    public func triesLeft(in memory: some NonVolatileMemory) -> Int {
        Int(read(from: memory)?.triesLeft ?? 0)
    }

    /// Checks `candidate`:
    /// 1. no tries left → 6983;
    /// 2. one try is consumed and committed;
    /// 3. constant-time compare;
    /// 4. on a match the tries go back to the maximum, `update` may change the record (new
    ///    value, must-change flag), and `alsoWriting` is committed in the same transaction;
    ///    on a mismatch 63Cx with the tries left, or 6983 when that was the last one.
    public func verify(_ candidate: [UInt8], in memory: some NonVolatileMemory,
                       alsoWriting: [(RecordID, [UInt8]?)] = [],
                       update: (inout PINRecord) -> Void = { _ in }) throws(StatusWord) {
        guard var stored = read(from: memory) else { throw .referenceDataNotUsable }
        guard stored.triesLeft > 0 else { throw .authenticationMethodBlocked }
        stored.triesLeft -= 1
        try memory.commitRecords([(record, stored.bytes)])
        guard stored.matches(candidate) else {
            throw stored.triesLeft == 0 ? .authenticationMethodBlocked
                                        : .verificationFailed(triesLeft: Int(stored.triesLeft))
        }
        stored.triesLeft = stored.maxTries
        update(&stored)
        try memory.commitRecords([(record, stored.bytes)] + alsoWriting)
    }
}

extension PINObject {
    /// Runs `check` (a verification of this PIN or PUK, with whatever it changes on success) and
    /// tells `presence` when the check used the last try (``TokenEvent/pinBlocked``).
    public func reportingBlock(in memory: some NonVolatileMemory, presence: some UserPresence,
                               _ check: () throws(StatusWord) -> Void) throws(StatusWord) {
        let triesBefore = triesLeft(in: memory)
        do {
            try check()
        } catch {
            if error == .authenticationMethodBlocked && triesBefore > 0 { presence.notify(.pinBlocked) }
            throw error
        }
    }
}
