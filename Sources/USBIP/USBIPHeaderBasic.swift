import ISO7816

/// `usbip_header_basic`, the first 20 bytes of every USBIP_CMD_* / USBIP_RET_* message
/// (usbip_protocol.rst, drivers/usb/usbip/usbip_common.h), big-endian:
///
///     0 command (4)  4 seqnum (4)  8 devid (4)  12 direction (4)  16 ep (4)
///
/// 28 command-specific bytes follow, for a 48-byte header, then the data.
public struct USBIPHeaderBasic: Hashable, Sendable {
    public static let USBIP_CMD_SUBMIT: UInt32 = 0x0001
    public static let USBIP_CMD_UNLINK: UInt32 = 0x0002
    public static let USBIP_RET_SUBMIT: UInt32 = 0x0003
    public static let USBIP_RET_UNLINK: UInt32 = 0x0004
    /// The size of usbip_header_basic.
    public static let count = 20
    /// The size of the whole usbip_header (basic + the command-specific union).
    public static let urbHeaderCount = 48

    public var command: UInt32
    /// Sequence number of the request, unique per connection; a reply repeats it.
    public var seqnum: UInt32
    /// Identifies the device on the server: (busnum << 16) | devnum for Linux's stub.
    public var devid: UInt32
    public var direction: USBIPDirection
    /// The endpoint number (0…15), without the direction bit.
    public var ep: UInt32

    public init(command: UInt32, seqnum: UInt32, devid: UInt32, direction: USBIPDirection, ep: UInt32) {
        self.command = command
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
    }

    /// Decodes the 20 bytes at 0 (the caller checked the length).
    init(_ b: [UInt8]) throws(USBIPError) {
        let rawDirection = try b.be32(at: 12)
        guard let direction = USBIPDirection(rawValue: rawDirection) else { throw .badDirection(rawDirection) }
        self.init(command: try b.be32(at: 0), seqnum: try b.be32(at: 4), devid: try b.be32(at: 8),
                  direction: direction, ep: try b.be32(at: 16))
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(USBIPHeaderBasic.urbHeaderCount)
        out.appendBE32(command)
        out.appendBE32(seqnum)
        out.appendBE32(devid)
        out.appendBE32(direction.rawValue)
        out.appendBE32(ep)
        return out
    }
}

/// `direction` of usbip_header_basic.
public enum USBIPDirection: UInt32, Hashable, Sendable, CaseIterable {
    /// USBIP_DIR_OUT: host to device.
    case out = 0
    /// USBIP_DIR_IN: device to host.
    case `in` = 1
}
