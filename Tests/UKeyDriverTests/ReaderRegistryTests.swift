import CCID
import Synchronization
import Testing
import USB
@testable import UKeyDriver

/// The registry pcscd's Luns go through (a short array since #16): each reader number finds its
/// own reader, a reader added again under the same number closes and replaces the old one,
/// removal closes it, and at most `maxReaders` readers are held.
@Suite struct ReaderRegistryTests {
    /// A transport that only counts `close()`.
    final class ClosingTransport: USBTransport, Sendable {
        let device = UnsupportedReaderTests.device(UnsupportedReaderTests.descriptor(features: [.tpduLevel]))
        let closes = Atomic<Int>(0)
        func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] { throw .timeout }
        func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] { throw .timeout }
        func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] { [] }
        func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? { nil }
        func wakeInterrupt() {}
        func close() { closes.add(1, ordering: .relaxed) }
    }

    static func reader() -> (Reader, ClosingTransport) {
        let transport = ClosingTransport()
        return (Reader(transport: transport, readTimeout: 100), transport)
    }

    @Test("each reader number finds its reader; adding under a taken number closes and replaces the old one; removing closes it")
    func addReplaceRemove() throws {
        let registry = ReaderRegistry()
        let (first, firstTransport) = Self.reader()
        let (second, secondTransport) = Self.reader()
        let (replacement, replacementTransport) = Self.reader()
        try registry.add(first, lun: 0x0000_0000)
        try registry.add(second, lun: 0x0003_0000)
        #expect(try registry.reader(0x0000_0000) === first)
        #expect(try registry.reader(0x0003_0000) === second)
        #expect(throws: DriverError.noSuchDevice("no reader for Lun 0x10000")) { _ = try registry.reader(0x0001_0000) }

        try registry.add(replacement, lun: 0x0003_0000)
        #expect(secondTransport.closes.load(ordering: .relaxed) == 1)
        #expect(try registry.reader(0x0003_0000) === replacement)
        #expect(registry.count == 2)

        try registry.remove(0x0000_0000)
        #expect(firstTransport.closes.load(ordering: .relaxed) == 1)
        #expect(throws: DriverError.noSuchDevice("no reader for Lun 0x0")) { _ = try registry.reader(0x0000_0000) }
        #expect(throws: DriverError.noSuchDevice("no reader for Lun 0x0")) { try registry.remove(0x0000_0000) }
        #expect(try registry.reader(0x0003_0000) === replacement)
        #expect(replacementTransport.closes.load(ordering: .relaxed) == 0)
        #expect(registry.count == 1)
    }

    @Test("at most maxReaders readers; a full registry still replaces a reader under a taken number")
    func limit() throws {
        let registry = ReaderRegistry()
        for number in 0..<UInt(ReaderRegistry.maxReaders) {
            try registry.add(Self.reader().0, lun: number << 16)
        }
        #expect(throws: DriverError.notSupported("more than \(ReaderRegistry.maxReaders) readers")) {
            try registry.add(Self.reader().0, lun: UInt(ReaderRegistry.maxReaders) << 16)
        }
        let (replacement, _) = Self.reader()
        try registry.add(replacement, lun: 5 << 16)
        #expect(try registry.reader(5 << 16) === replacement)
        #expect(registry.count == ReaderRegistry.maxReaders)
    }
}
