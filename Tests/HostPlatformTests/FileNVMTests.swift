import CardOS
import Foundation
import HostPlatform
import ISO7816
import Testing

@Suite("FileNVM: records in one crash-safe file")
struct FileNVMTests {
    static let old: [RecordID: [UInt8]] = [0x0001: [1], 0x0102: [2, 2], 0x0103: [3]]
    static let writes: [(RecordID, [UInt8]?)] = [(0x0001, [9]), (0x0103, nil), (0x0201, [0xAB, 0xCD])]
    static let new: [RecordID: [UInt8]] = [0x0001: [9], 0x0102: [2, 2], 0x0201: [0xAB, 0xCD]]

    /// A directory holding an image of ``old``.
    func directoryWithOldState() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try FileNVM(directory: directory.path).commit(FileNVMTests.old.map { ($0.key, $0.value) })
        return directory
    }

    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test("records survive reopening; the image is mode 0600 and no journal is left")
    func roundTrip() throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        let memory = try FileNVM(directory: directory.path)
        #expect(memory.committedRecords == FileNVMTests.old)
        try memory.commit(FileNVMTests.writes)
        let reopened = try FileNVM(directory: URL(fileURLWithPath: directory.path))
        #expect(reopened.committedRecords == FileNVMTests.new)
        #expect(reopened.read(0x0103) == nil)
        #expect(try mode(directory.file("nvm")) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: directory.file("nvm.journal")))
    }

    @Test("records larger than one read chunk, and empty records, round-trip")
    func largeRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let large = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try FileNVM(directory: directory.path).commit([(0x0104, large), (0x0105, [])])
        #expect(try FileNVM(directory: directory.path).committedRecords == [0x0104: large, 0x0105: []])
    }

    @Test("reads inside a transaction see its writes; abort leaves the file alone")
    func transaction() throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        let memory = try FileNVM(directory: directory.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.file("nvm")))
        try memory.beginTransaction()
        try memory.write(0x0001, [5])
        #expect(memory.read(0x0001) == [5])
        #expect(throws: NVMError.transactionInProgress) { try memory.beginTransaction() }
        memory.abortTransaction()
        #expect(memory.read(0x0001) == [1])
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file("nvm"))) == before)
        #expect(throws: NVMError.noTransaction) { try memory.write(1, [1]) }
        #expect(throws: NVMError.noTransaction) { try memory.commitTransaction() }
    }

    @Test("an empty directory starts empty and stays without files until the first commit")
    func empty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let memory = try FileNVM(directory: directory.path)
        #expect(memory.committedRecords.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a directory that does not exist is an error, not created")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        directory.remove()
        #expect(throws: FileNVMError.ioFailed(operation: "open(\(directory.path))", errno: ENOENT)) {
            try FileNVM(directory: directory.path)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test("the image format: UKNV, version 1, count, records in id order, SHA-256")
    func format() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileNVM(directory: directory.path).commit([(0x0201, [0xAA, 0xBB]), (0x0102, [])])
        let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("nvm"))))
        let body = [UInt8](hex: "554B4E56 0001 00000002 0102 00000000 0201 00000002 AABB")!
        #expect(image == body + OpenSSLCryptoEngine().sha256(body))
    }

    @Test("a leftover journal is an unfinished commit: deleted on open, never applied", arguments: [false, true])
    func leftoverJournal(validImage: Bool) throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        // A journal holding a complete, valid image of another state, or garbage.
        let other = try TemporaryDirectory()
        defer { other.remove() }
        try FileNVM(directory: other.path).commit([(0x0001, [0x77])])
        let journal = validImage ? try Data(contentsOf: URL(fileURLWithPath: other.file("nvm"))) : Data([1, 2, 3])
        try journal.write(to: URL(fileURLWithPath: directory.file("nvm.journal")))
        let memory = try FileNVM(directory: directory.path)
        #expect(memory.committedRecords == FileNVMTests.old)
        #expect(!FileManager.default.fileExists(atPath: directory.file("nvm.journal")))
    }

    @Test("a damaged image is refused with its reason, never reset to empty", arguments: ImageDamage.allCases)
    func corrupt(_ damage: ImageDamage) throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        let url = URL(fileURLWithPath: directory.file("nvm"))
        var image = [UInt8](try Data(contentsOf: url))
        damage.apply(to: &image)
        try Data(image).write(to: url)
        #expect(throws: damage.expectedError) { try FileNVM(directory: directory.path) }
    }

    @Test("a checksummed image with inconsistent content is refused")
    func malformed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Count says 2, the same id twice.
        let body = [UInt8](hex: "554B4E56 0001 00000002 0001 00000001 AA 0001 00000001 BB")!
        try Data(body + OpenSSLCryptoEngine().sha256(body)).write(to: URL(fileURLWithPath: directory.file("nvm")))
        #expect(throws: FileNVMError.malformed("record 1 appears twice")) { try FileNVM(directory: directory.path) }
    }

    @Test("a crash at each step of a commit: reopening gives the old state or the new one, never a mix",
          arguments: FileNVM.CrashPoint.allCases)
    func crash(at point: FileNVM.CrashPoint) throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        let memory = try FileNVM(directory: directory.path)
        memory.crashPoint = point
        #expect(throws: NVMError.powerLost) { try memory.commit(FileNVMTests.writes) }
        #expect(throws: NVMError.powerLost, "the crashed instance is dead") { try memory.beginTransaction() }
        let journalLeft = FileManager.default.fileExists(atPath: directory.file("nvm.journal"))
        #expect(journalLeft == (point != .renamed), "the crash leaves the journal where it was")

        let reopened = try FileNVM(directory: directory.path)
        let expected = point == .renamed ? FileNVMTests.new : FileNVMTests.old
        #expect(reopened.committedRecords == expected)
        #expect(!FileManager.default.fileExists(atPath: directory.file("nvm.journal")))
        try reopened.commit([(0x0300, [3])])
        #expect(try FileNVM(directory: directory.path).read(0x0300) == [3], "the reopened memory commits again")
    }

    @Test("an I/O error fails the commit with writeFailed and changes nothing")
    func ioError() throws {
        let directory = try directoryWithOldState()
        defer { directory.remove() }
        let memory = try FileNVM(directory: directory.path)
        let image = try Data(contentsOf: URL(fileURLWithPath: directory.file("nvm")))
        // A directory where the journal should go makes creating it fail (even for root).
        try FileManager.default.createDirectory(atPath: directory.file("nvm.journal"), withIntermediateDirectories: false)
        #expect(throws: NVMError.writeFailed) { try memory.commit(FileNVMTests.writes) }
        #expect(memory.committedRecords == FileNVMTests.old)
        #expect(memory.read(0x0001) == [1], "the failed transaction is over")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file("nvm"))) == image)
        try FileManager.default.removeItem(atPath: directory.file("nvm.journal"))
        try memory.commit(FileNVMTests.writes)
        #expect(try FileNVM(directory: directory.path).committedRecords == FileNVMTests.new, "it works again once the medium does")
    }
}
