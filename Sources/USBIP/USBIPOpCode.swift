import ISO7816

/// The common header of the OP_* messages exchanged before import (usbip_protocol.rst):
///
///     0 version (2, 0x0111)   2 command code (2)   4 status (4, 0 in requests)
public enum USBIPOpCode: UInt16, Hashable, Sendable, CaseIterable {
    /// OP_REQ_DEVLIST: retrieve the list of exported devices.
    case OP_REQ_DEVLIST = 0x8005
    /// OP_REP_DEVLIST: the list.
    case OP_REP_DEVLIST = 0x0005
    /// OP_REQ_IMPORT: import a remote device by its busid.
    case OP_REQ_IMPORT = 0x8003
    /// OP_REP_IMPORT: the result, with the device when it succeeded.
    case OP_REP_IMPORT = 0x0003

    /// The protocol version every OP_* message carries.
    public static let version: UInt16 = 0x0111
    /// The size of the common header.
    static let headerCount = 8

    /// The 8-byte header: version, this code, status.
    func header(status: UInt32 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(USBIPOpCode.headerCount)
        out.appendBE16(USBIPOpCode.version)
        out.appendBE16(rawValue)
        out.appendBE32(status)
        return out
    }
}

/// The status of OP_REP_DEVLIST and OP_REP_IMPORT (usbip_common.h `ST_*`).
public struct USBIPOpStatus: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// ST_OK: request completed successfully.
    public static let ok = USBIPOpStatus(rawValue: 0x00)
    /// ST_NA: the device is not available (not exported).
    public static let notAvailable = USBIPOpStatus(rawValue: 0x01)
    /// ST_DEV_BUSY: the device is already imported.
    public static let deviceBusy = USBIPOpStatus(rawValue: 0x02)
    /// ST_DEV_ERR: the device is in an error state.
    public static let deviceError = USBIPOpStatus(rawValue: 0x03)
    /// ST_NODEV: no such device.
    public static let noDevice = USBIPOpStatus(rawValue: 0x04)
    /// ST_ERROR: unexpected response.
    public static let error = USBIPOpStatus(rawValue: 0x05)
}
