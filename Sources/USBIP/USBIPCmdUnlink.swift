import ISO7816

/// USBIP_CMD_UNLINK (usbip_protocol.rst): client → server, cancel the CMD_SUBMIT whose
/// seqnum is `unlinkSeqnum`.
///
///      0 usbip_header_basic (command 0x00000002, seqnum, devid, direction, ep)
///     20 unlink_seqnum (4)   24 padding (24)
public struct USBIPCmdUnlink: Hashable, Sendable {
    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: USBIPDirection
    public var ep: UInt32
    public var unlinkSeqnum: UInt32

    public init(seqnum: UInt32, devid: UInt32, direction: USBIPDirection = .out, ep: UInt32 = 0, unlinkSeqnum: UInt32) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.unlinkSeqnum = unlinkSeqnum
    }

    public init(parsing bytes: some Collection<UInt8>) throws(USBIPError) {
        let b = try usbipFixedURB(bytes, command: USBIPHeaderBasic.USBIP_CMD_UNLINK)
        let basic = try USBIPHeaderBasic(b)
        self.init(seqnum: basic.seqnum, devid: basic.devid, direction: basic.direction, ep: basic.ep,
                  unlinkSeqnum: try b.be32(at: 20))
    }

    public var bytes: [UInt8] {
        var out = USBIPHeaderBasic(command: USBIPHeaderBasic.USBIP_CMD_UNLINK, seqnum: seqnum, devid: devid,
                                   direction: direction, ep: ep).bytes
        out.appendBE32(unlinkSeqnum)
        out += [UInt8](repeating: 0, count: 24)
        return out
    }
}
