/// OP_REQ_DEVLIST (usbip_protocol.rst): the 8-byte common header alone, code 0x8005.
public struct USBIPDevlistRequest: Hashable, Sendable {
    public init() {}

    /// Parses exactly one OP_REQ_DEVLIST (the status field is unused and ignored).
    public init(parsing bytes: some Collection<UInt8>, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        try USBIPFraming.requireExact(
            try USBIPFraming.op(b, start: 0, available: b.count, expected: [.OP_REQ_DEVLIST], limits: limits),
            count: b.count)
    }

    public var bytes: [UInt8] { USBIPOpCode.OP_REQ_DEVLIST.header() }
}

/// OP_REQ_IMPORT (usbip_protocol.rst): common header (code 0x8003), then busid[32] of the
/// device to import, NUL-padded.
public struct USBIPImportRequest: Hashable, Sendable {
    /// The bus id bytes before the NUL padding.
    public var busid: [UInt8]

    public init(busid: [UInt8]) { self.busid = busid }
    public init(busid: String) { self.busid = Array(busid.utf8) }

    public init(parsing bytes: some Collection<UInt8>, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        try USBIPFraming.requireExact(
            try USBIPFraming.op(b, start: 0, available: b.count, expected: [.OP_REQ_IMPORT], limits: limits),
            count: b.count)
        busid = try b.fixedString(at: USBIPOpCode.headerCount, size: USBIPUSBDevice.busidSize)
    }

    /// The bus id as text.
    public var busidString: String { String(decoding: busid, as: UTF8.self) }

    public var bytes: [UInt8] {
        var out = USBIPOpCode.OP_REQ_IMPORT.header()
        out.appendFixed(busid, size: USBIPUSBDevice.busidSize)
        return out
    }
}
