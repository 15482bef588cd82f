import CIFDHandler

/// The functions handed to pcscd through IFDHGetCapabilities so that its event thread
/// sleeps on the interrupt pipe instead of polling IFDHICCPresence:
/// TAG_IFD_POLLING_THREAD_WITH_TIMEOUT `RESPONSECODE f(DWORD Lun, int timeout)` and
/// TAG_IFD_STOP_POLLING_THREAD `RESPONSECODE f(DWORD Lun)`.
enum PollingFunctions {
    typealias Poll = @convention(c) (DWORD, Int32) -> RESPONSECODE
    typealias Stop = @convention(c) (DWORD) -> RESPONSECODE

    /// Waits up to `timeout` ms for a slot change; IFD_SUCCESS when one came or the wait ended,
    /// an error code (so that pcscd sleeps before calling again) when the pipe failed.
    static let poll: Poll = { lun, timeout in
        do throws(DriverError) {
            let reader = try ReaderRegistry.shared.reader(lun)
            _ = try reader.waitForSlotChange(timeout: Int(max(0, timeout)))
            return IFDResponse.success
        } catch {
            return IFDResponse.code(for: error)
        }
    }

    static let stop: Stop = { lun in
        guard let reader = try? ReaderRegistry.shared.reader(lun) else { return RESPONSECODE(IFD_NO_SUCH_DEVICE) }
        reader.stopPolling()
        return IFDResponse.success
    }

    /// The pointer's bytes for the polling tags, when the reader has an interrupt pipe.
    static func pointer(for tag: DWORD, reader: Reader) -> [UInt8]? {
        guard reader.hasInterruptPipe else { return nil }
        let raw: UnsafeRawPointer
        switch Int32(truncatingIfNeeded: tag) {
        case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: raw = unsafeBitCast(poll, to: UnsafeRawPointer.self)
        case TAG_IFD_STOP_POLLING_THREAD: raw = unsafeBitCast(stop, to: UnsafeRawPointer.self)
        default: return nil
        }
        return withUnsafeBytes(of: raw) { Array($0) }
    }
}
