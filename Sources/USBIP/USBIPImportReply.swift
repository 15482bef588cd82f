/// OP_REP_IMPORT (usbip_protocol.rst): common header (code 0x0003, status), then — only when
/// the status is ST_OK — the 312-byte record of the imported device (no interface records).
public struct USBIPImportReply: Hashable, Sendable {
    public var status: USBIPOpStatus
    /// The imported device; present exactly when `status` is `.ok`.
    public var device: USBIPUSBDevice?

    /// A successful import.
    public init(device: USBIPUSBDevice) {
        status = .ok
        self.device = device
    }

    /// A refused import (ST_NA, ST_DEV_BUSY, …): no device record follows.
    public init(failure status: USBIPOpStatus) {
        self.status = status
        device = nil
    }

    public init(parsing bytes: some Collection<UInt8>, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        try USBIPFraming.requireExact(
            try USBIPFraming.op(b, start: 0, available: b.count, expected: [.OP_REP_IMPORT], limits: limits),
            count: b.count)
        status = USBIPOpStatus(rawValue: try b.be32(at: 4))
        device = status == .ok ? try USBIPUSBDevice(record: b, at: USBIPOpCode.headerCount) : nil
    }

    /// The encoded reply. With status `.ok` and no device (a value built by hand), a zeroed
    /// record is sent so that the framing stays right.
    public var bytes: [UInt8] {
        var out = USBIPOpCode.OP_REP_IMPORT.header(status: status.rawValue)
        guard status == .ok else { return out }
        if let device {
            out += device.bytes
        } else {
            out += [UInt8](repeating: 0, count: USBIPUSBDevice.count)
        }
        return out
    }
}
