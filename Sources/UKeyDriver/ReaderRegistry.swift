import Synchronization

/// The readers pcscd has opened, by reader number (Lun >> 16; the low 16 bits are the slot).
/// Looking a reader up takes the registry's lock only for a moment; commands then lock the
/// reader itself, so different readers work in parallel. The readers are few (one pcscd
/// rarely opens more than a couple): a short array searched in order costs less per APDU
/// than hashing into a dictionary.
package final class ReaderRegistry: Sendable {
    package static let shared = ReaderRegistry()
    /// TAG_IFD_SIMULTANEOUS_ACCESS: how many readers one pcscd may open with this driver.
    package static let maxReaders = 64

    private let readers = Mutex<[(number: UInt, reader: Reader)]>([])

    package init() {}

    package static func readerNumber(_ lun: UInt) -> UInt { lun >> 16 }

    /// The reader for `lun`, or `noSuchDevice`; a slot other than 0 is never driven.
    package func reader(_ lun: UInt) throws(DriverError) -> Reader {
        guard lun & 0xFFFF == 0 else { throw .noSuchDevice("slot \(lun & 0xFFFF) of Lun 0x" + String(lun, radix: 16) + ": only slot 0 is driven") }
        let number = ReaderRegistry.readerNumber(lun)
        guard let reader = readers.withLock({ $0.first { $0.number == number }?.reader }) else {
            throw .noSuchDevice("no reader for Lun 0x" + String(lun, radix: 16))
        }
        return reader
    }

    /// Registers `reader` for `lun`; a reader already there is closed and replaced.
    package func add(_ reader: Reader, lun: UInt) throws(DriverError) {
        guard lun & 0xFFFF == 0 else { throw .notSupported("slot \(lun & 0xFFFF): only slot 0 of a reader is driven") }
        let previous = try readers.withLock { (all) throws(DriverError) -> Reader? in
            let number = ReaderRegistry.readerNumber(lun)
            if let index = all.firstIndex(where: { $0.number == number }) {
                defer { all[index].reader = reader }
                return all[index].reader
            }
            guard all.count < ReaderRegistry.maxReaders else {
                throw .notSupported("more than \(ReaderRegistry.maxReaders) readers")
            }
            all.append((number, reader))
            return nil
        }
        previous?.close()
    }

    /// Removes and closes the reader for `lun`.
    package func remove(_ lun: UInt) throws(DriverError) {
        let number = ReaderRegistry.readerNumber(lun)
        let removed = readers.withLock { (all) -> Reader? in
            guard let index = all.firstIndex(where: { $0.number == number }) else { return nil }
            return all.remove(at: index).reader
        }
        guard let removed else { throw .noSuchDevice("no reader for Lun 0x" + String(lun, radix: 16)) }
        removed.close()
    }

    package var count: Int { readers.withLock { $0.count } }
}
