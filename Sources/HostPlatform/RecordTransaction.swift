import CardOS

/// The committed records of an NVM and the writes staged by the open transaction: the part of
/// ``NonVolatileMemory`` that does not depend on the medium. ``MemoryNVM`` and ``FileNVM`` keep
/// one inside their lock and decide what a commit costs and when power fails.
struct RecordTransaction {
    /// The durable state.
    private(set) var committed: [RecordID: [UInt8]]
    /// The open transaction's writes (`nil` value: delete), or `nil` when none is open.
    private var staged: [RecordID: [UInt8]?]? = nil

    init(committed: [RecordID: [UInt8]]) {
        self.committed = committed
    }

    var isOpen: Bool { staged != nil }

    /// The staged value if the transaction wrote the record, else the committed one.
    func read(_ record: RecordID) -> [UInt8]? {
        if let staged, let pending = staged[record] { return pending }
        return committed[record]
    }

    mutating func begin() throws(NVMError) {
        guard staged == nil else { throw .transactionInProgress }
        staged = [:]
    }

    /// Fails outside a transaction; changes nothing then.
    func checkOpen() throws(NVMError) {
        guard staged != nil else { throw .noTransaction }
    }

    mutating func stage(_ record: RecordID, _ value: [UInt8]?) throws(NVMError) {
        try checkOpen()
        staged?[record] = .some(value)
    }

    /// The records as they will be once the transaction commits.
    func pendingState() throws(NVMError) -> [RecordID: [UInt8]] {
        guard let staged else { throw .noTransaction }
        var next = committed
        for (record, value) in staged { next[record] = value }
        return next
    }

    /// Whether the open transaction staged anything.
    var hasStagedWrites: Bool { !(staged?.isEmpty ?? true) }

    /// Ends the transaction with `state` (from ``pendingState()``) now durable.
    mutating func finishCommit(_ state: [RecordID: [UInt8]]) {
        committed = state
        staged = nil
    }

    /// Drops the staged writes and ends the transaction.
    mutating func abort() {
        staged = nil
    }
}
