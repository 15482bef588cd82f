import CardOS
import Synchronization

/// Non-volatile memory held in RAM, with power-loss injection for tests.
///
/// A *write operation* is each ``write(_:_:)`` and each ``commitTransaction()`` call
/// (``beginTransaction()`` costs none). ``cutPower(atWrite:)`` makes the k-th write operation
/// from now not happen: the open transaction is dropped, the memory is powered off, and that
/// call and every later mutating call throw ``NVMError/powerLost``; reads keep returning the
/// committed data. ``powerUp()`` gives the memory after a power cycle: exactly the committed
/// records, powered on.
///
/// `Sendable` because all state sits in a `Mutex`; a caller still serializes transactions itself
/// (two threads interleaving writes would share one transaction).
public final class MemoryNVM: NonVolatileMemory, Sendable {
    private struct State {
        var records: RecordTransaction
        var writeOperations = 0
        /// Write operations still allowed before power fails; `nil` when no cut is armed.
        var writesBeforeCut: Int? = nil
        var poweredOff = false

        /// Counts one write operation, or fails it (and powers off) where the cut is armed.
        mutating func writeOperation() throws(NVMError) {
            guard !poweredOff else { throw .powerLost }
            if let remaining = writesBeforeCut {
                guard remaining > 0 else {
                    poweredOff = true
                    writesBeforeCut = nil
                    records.abort()
                    throw .powerLost
                }
                writesBeforeCut = remaining - 1
            }
            writeOperations += 1
        }
    }

    private let state: Mutex<State>

    /// A powered-on memory holding `records` as committed.
    public init(records: [RecordID: [UInt8]] = [:]) {
        state = Mutex(State(records: RecordTransaction(committed: records)))
    }

    // MARK: Test hooks

    /// How many write operations have happened so far (failed ones not counted).
    public var writeOperations: Int { state.withLock { $0.writeOperations } }

    /// The committed records, as the next power-up will find them.
    public var committedRecords: [RecordID: [UInt8]] { state.withLock { $0.records.committed } }

    /// Whether power has failed (after a cut); only ``powerUp()`` brings it back.
    public var isPowerLost: Bool { state.withLock { $0.poweredOff } }

    /// Same as ``isPowerLost`` (what the card OS asks).
    public var hasLostPower: Bool { isPowerLost }

    /// Makes the `index`-th write operation from now (0: the next one) fail as a power loss.
    public func cutPower(atWrite index: Int) {
        precondition(index >= 0, "a write index is not negative")
        state.withLock { $0.writesBeforeCut = index }
    }

    /// The memory after a power cycle: a new instance with exactly the committed records,
    /// powered on, no transaction, no cut armed.
    public func powerUp() -> MemoryNVM {
        MemoryNVM(records: committedRecords)
    }

    /// Same as ``powerUp()``.
    public func rebooted() -> MemoryNVM { powerUp() }

    // MARK: NonVolatileMemory

    public func read(_ record: RecordID) -> [UInt8]? {
        state.withLock { $0.records.read(record) }
    }

    public func beginTransaction() throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            guard !state.poweredOff else { throw .powerLost }
            try state.records.begin()
        }
    }

    public func write(_ record: RecordID, _ value: [UInt8]?) throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            guard !state.poweredOff else { throw .powerLost }
            try state.records.checkOpen()
            try state.writeOperation()
            try state.records.stage(record, value)
        }
    }

    public func commitTransaction() throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            guard !state.poweredOff else { throw .powerLost }
            let next = try state.records.pendingState()
            try state.writeOperation()
            state.records.finishCommit(next)
        }
    }

    public func abortTransaction() {
        state.withLock { $0.records.abort() }
    }
}
