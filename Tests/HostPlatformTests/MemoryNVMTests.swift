import CardOS
import HostPlatform
import Testing

@Suite("MemoryNVM: transactions and power-loss injection")
struct MemoryNVMTests {
    static let old: [RecordID: [UInt8]] = [0x0001: [1], 0x0102: [2, 2], 0x0103: [3]]
    /// Changes one record, deletes one, adds one.
    static let writes: [(RecordID, [UInt8]?)] = [(0x0001, [9]), (0x0103, nil), (0x0201, [7, 7, 7])]
    static let new: [RecordID: [UInt8]] = [0x0001: [9], 0x0102: [2, 2], 0x0201: [7, 7, 7]]

    @Test("reads inside a transaction see its writes; commit makes them durable together")
    func transaction() throws {
        let memory = MemoryNVM(records: MemoryNVMTests.old)
        try memory.beginTransaction()
        for (record, value) in MemoryNVMTests.writes { try memory.write(record, value) }
        #expect(memory.read(0x0001) == [9], "a staged write is read back")
        #expect(memory.read(0x0103) == nil, "a staged delete hides the record")
        #expect(memory.read(0x0102) == [2, 2], "untouched records read their committed value")
        #expect(memory.committedRecords == MemoryNVMTests.old, "nothing is durable before the commit")
        try memory.commitTransaction()
        #expect(memory.committedRecords == MemoryNVMTests.new)
        #expect(memory.powerUp().committedRecords == MemoryNVMTests.new)
    }

    @Test("abort drops the staged writes")
    func abort() throws {
        let memory = MemoryNVM(records: MemoryNVMTests.old)
        try memory.beginTransaction()
        try memory.write(0x0001, [5])
        memory.abortTransaction()
        #expect(memory.read(0x0001) == [1])
        #expect(memory.committedRecords == MemoryNVMTests.old)
        try memory.beginTransaction()
        try memory.commitTransaction()
        #expect(memory.committedRecords == MemoryNVMTests.old, "the aborted write does not come back")
    }

    @Test("writes and commits outside a transaction, and nested transactions, are refused")
    func misuse() throws {
        let memory = MemoryNVM()
        #expect(throws: NVMError.noTransaction) { try memory.write(1, [1]) }
        #expect(throws: NVMError.noTransaction) { try memory.commitTransaction() }
        try memory.beginTransaction()
        #expect(throws: NVMError.transactionInProgress) { try memory.beginTransaction() }
        #expect(memory.writeOperations == 0, "refused calls are not write operations")
    }

    @Test("each write and each commit is one write operation; begin is none")
    func counting() throws {
        let memory = MemoryNVM()
        try memory.commit(MemoryNVMTests.writes)
        #expect(memory.writeOperations == MemoryNVMTests.writes.count + 1)
        try memory.beginTransaction()
        #expect(memory.writeOperations == 4)
    }

    @Test("power cut at every write operation of a three-write transaction: all old or all new after power-up",
          arguments: 0...4)
    func powerCut(index: Int) throws {
        let memory = MemoryNVM(records: MemoryNVMTests.old)
        memory.cutPower(atWrite: index)
        var failure: NVMError? = nil
        do { try memory.commit(MemoryNVMTests.writes) } catch { failure = error }
        let rebooted = memory.powerUp()
        if index <= MemoryNVMTests.writes.count {
            #expect(failure == .powerLost)
            #expect(memory.isPowerLost)
            #expect(rebooted.committedRecords == MemoryNVMTests.old, "the cut transaction left nothing behind")
            #expect(memory.writeOperations == index, "operations before the cut happened, the cut one did not")
            #expect(memory.read(0x0001) == [1], "reads return committed data after the cut")
            #expect(throws: NVMError.powerLost) { try memory.beginTransaction() }
            #expect(throws: NVMError.powerLost) { try memory.write(0x0001, [4]) }
            #expect(throws: NVMError.powerLost) { try memory.commitTransaction() }
        } else {
            #expect(failure == nil)
            #expect(rebooted.committedRecords == MemoryNVMTests.new)
        }
        #expect(!rebooted.isPowerLost, "power-up brings power back")
        try rebooted.commit([(0x0300, [1])])
        #expect(rebooted.read(0x0300) == [1], "the rebooted memory works")
    }

    @Test("the cut drops the open transaction itself: its staged writes are no longer read")
    func cutDropsStagedWrites() throws {
        let memory = MemoryNVM(records: MemoryNVMTests.old)
        try memory.beginTransaction()
        try memory.write(0x0001, [9])
        memory.cutPower(atWrite: 0)
        #expect(throws: NVMError.powerLost) { try memory.write(0x0102, [8]) }
        #expect(memory.read(0x0001) == [1], "without an abort, reads already return committed data")
        #expect(memory.committedRecords == MemoryNVMTests.old)
    }

    @Test("a cut counts from the moment it is armed, across transactions")
    func cutAcrossTransactions() throws {
        let memory = MemoryNVM()
        memory.cutPower(atWrite: 3)
        try memory.commit([(1, [1])])                       // operations 0 and 1
        #expect(throws: NVMError.powerLost) { try memory.commit([(2, [2]), (3, [3])]) }   // 2 happens, 3 is cut
        #expect(memory.powerUp().committedRecords == [1: [1]])
    }
}
