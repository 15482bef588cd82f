import ISO7816

/// Identifies one record in non-volatile memory. The high byte names the owner (00 card OS,
/// 01 banking applet, 02 PIV applet, 03 OATH applet), the low byte the record.
public typealias RecordID = UInt16

/// NVM records that belong to the card as a whole rather than to one applet.
public enum CardRecords {
    /// The token serial: 8 bytes, written once at manufacture (also the USB serial number).
    public static let serial: RecordID = 0x0001
}

/// The token's persistent memory: a set of records, each a byte string, changed only through
/// atomic transactions.
///
/// A transaction is `beginTransaction()`, any number of `write(_:_:)`, then `commitTransaction()`.
/// Power may fail at any instant; after the next power-up, every record holds either its value
/// from before `beginTransaction()` or the value written in the transaction, for all records of
/// the transaction alike — never a mix. Reads see the transaction's own writes.
/// When power fails the calls throw ``NVMError/powerLost``: the firmware stops, the command gets
/// no answer, and the next power-up finds the last committed state.
public protocol NonVolatileMemory: AnyObject {
    /// The record's committed value (or the current transaction's pending one), `nil` if absent.
    func read(_ record: RecordID) -> [UInt8]?
    /// Starts a transaction. Nested transactions are not supported.
    func beginTransaction() throws(NVMError)
    /// Stages a new value for a record; `nil` deletes it. Only inside a transaction.
    func write(_ record: RecordID, _ value: [UInt8]?) throws(NVMError)
    /// Makes every staged write durable at once. The transaction is over afterwards, whether
    /// the commit succeeded or threw.
    func commitTransaction() throws(NVMError)
    /// Drops the staged writes.
    func abortTransaction()
    /// Whether power failed (``NVMError/powerLost`` was thrown): the card OS then sends no
    /// answer to the command under way (``CardOutput/noAnswer``). Memories that cannot lose
    /// power keep the default, `false`.
    var hasLostPower: Bool { get }
}

extension NonVolatileMemory {
    public var hasLostPower: Bool { false }
}

extension NonVolatileMemory {
    /// Writes several records in one atomic transaction.
    public func commit(_ writes: [(RecordID, [UInt8]?)]) throws(NVMError) {
        try beginTransaction()
        do {
            for (record, value) in writes { try write(record, value) }
            try commitTransaction()
        } catch {
            abortTransaction()
            throw error
        }
    }
}

extension NonVolatileMemory {
    /// Commits records atomically for an applet, whose commands fail with a status word: any NVM
    /// failure becomes 6581 (memory failure). After ``NVMError/powerLost`` the status word goes
    /// nowhere: the card OS sees ``hasLostPower`` and answers ``CardOutput/noAnswer``, as a real
    /// card with no power left sends nothing.
    public func commitRecords(_ writes: [(RecordID, [UInt8]?)]) throws(StatusWord) {
        do {
            try commit(writes)
        } catch {
            throw .memoryFailure
        }
    }
}

/// Why an NVM operation failed.
public enum NVMError: Error, Hashable, Sendable {
    /// Power failed (or was cut by a test): nothing more reaches memory until the next power-up.
    case powerLost
    /// The medium refused the write (disk full, I/O error); the committed state is unchanged.
    case writeFailed
    /// `write` or `commitTransaction` outside a transaction, or `beginTransaction` inside one.
    case noTransaction
    case transactionInProgress
}
