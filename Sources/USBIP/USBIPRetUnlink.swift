import ISO7816

/// USBIP_RET_UNLINK (usbip_protocol.rst): server → client, the result of a CMD_UNLINK with
/// the same seqnum. status is -ECONNRESET when the URB was cancelled (no RET_SUBMIT will
/// come), 0 when it had already completed (its RET_SUBMIT was sent).
///
///      0 usbip_header_basic (command 0x00000004, seqnum, devid, direction, ep)
///     20 status (4)   24 padding (24)
public struct USBIPRetUnlink: Hashable, Sendable {
    /// -ECONNRESET on Linux.
    public static let ECONNRESET: Int32 = -104

    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: USBIPDirection
    public var ep: UInt32
    public var status: Int32

    public init(seqnum: UInt32, devid: UInt32 = 0, direction: USBIPDirection = .out, ep: UInt32 = 0, status: Int32) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.status = status
    }

    public init(parsing bytes: some Collection<UInt8>) throws(USBIPError) {
        let b = try usbipFixedURB(bytes, command: USBIPHeaderBasic.USBIP_RET_UNLINK)
        let basic = try USBIPHeaderBasic(b)
        self.init(seqnum: basic.seqnum, devid: basic.devid, direction: basic.direction, ep: basic.ep,
                  status: Int32(bitPattern: try b.be32(at: 20)))
    }

    public var bytes: [UInt8] {
        var out = USBIPHeaderBasic(command: USBIPHeaderBasic.USBIP_RET_UNLINK, seqnum: seqnum, devid: devid,
                                   direction: direction, ep: ep).bytes
        out.appendBE32(UInt32(bitPattern: status))
        out += [UInt8](repeating: 0, count: 24)
        return out
    }
}
