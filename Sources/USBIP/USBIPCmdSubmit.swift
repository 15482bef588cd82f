import ISO7816
import USB

/// USBIP_CMD_SUBMIT (usbip_protocol.rst): client → server, one URB.
///
///      0 usbip_header_basic (command 0x00000001, seqnum, devid, direction, ep)
///     20 transfer_flags (4)          24 transfer_buffer_length (4)   28 start_frame (4)
///     32 number_of_packets (4)       36 interval (4)                 40 setup[8] (little-endian inside)
///     48 transfer_buffer             transfer_buffer_length bytes, OUT only
///        iso_packet_descriptor[]     16 bytes each, when number_of_packets is not 0 or 0xFFFFFFFF
public struct USBIPCmdSubmit: Hashable, Sendable {
    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: USBIPDirection
    public var ep: UInt32
    /// URB transfer flags (URB_SHORT_NOT_OK 0x1, URB_ZERO_PACKET 0x40, …).
    public var transferFlags: UInt32
    /// For IN: the most bytes the host accepts. For OUT, `bytes` sends `transferBuffer.count`.
    public var transferBufferLength: UInt32
    public var startFrame: UInt32
    /// number_of_packets: 0 or 0xFFFFFFFF when not isochronous; `bytes` sends the descriptor
    /// count when there are descriptors.
    public var numberOfPackets: UInt32
    public var interval: UInt32
    public var setup: USBSetupPacket
    /// The OUT data (empty for IN).
    public var transferBuffer: [UInt8]
    public var isoPacketDescriptors: [USBIPISOPacketDescriptor]

    public init(seqnum: UInt32, devid: UInt32, direction: USBIPDirection, ep: UInt32, transferFlags: UInt32 = 0,
                transferBufferLength: UInt32, startFrame: UInt32 = 0, numberOfPackets: UInt32 = 0,
                interval: UInt32 = 0, setup: USBSetupPacket = .zero, transferBuffer: [UInt8] = [],
                isoPacketDescriptors: [USBIPISOPacketDescriptor] = []) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.transferFlags = transferFlags
        self.transferBufferLength = direction == .out ? UInt32(transferBuffer.count) : transferBufferLength
        self.startFrame = startFrame
        self.numberOfPackets = USBIPISOPacketDescriptor.numberOfPackets(isoPacketDescriptors, requested: numberOfPackets)
        self.interval = interval
        self.setup = setup
        self.transferBuffer = direction == .out ? transferBuffer : []
        self.isoPacketDescriptors = isoPacketDescriptors
    }

    /// A bulk or interrupt OUT transfer of `data`.
    public static func out(seqnum: UInt32, devid: UInt32, ep: UInt32, data: [UInt8],
                           transferFlags: UInt32 = 0) -> USBIPCmdSubmit {
        USBIPCmdSubmit(seqnum: seqnum, devid: devid, direction: .out, ep: ep, transferFlags: transferFlags,
                       transferBufferLength: UInt32(data.count), transferBuffer: data)
    }

    /// A bulk or interrupt IN transfer of at most `length` bytes.
    public static func `in`(seqnum: UInt32, devid: UInt32, ep: UInt32, length: UInt32,
                            transferFlags: UInt32 = 0) -> USBIPCmdSubmit {
        USBIPCmdSubmit(seqnum: seqnum, devid: devid, direction: .in, ep: ep, transferFlags: transferFlags,
                       transferBufferLength: length)
    }

    /// Parses exactly one CMD_SUBMIT, checking transfer_buffer_length and number_of_packets
    /// against `limits` before anything else.
    public init(parsing bytes: some Collection<UInt8>, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        let frame = try USBIPFraming.urb(b, start: 0, available: b.count, server: true, limits: limits) { _ in nil }
        try USBIPFraming.requireExact(frame, count: b.count)
        let basic = try USBIPHeaderBasic(b)
        guard basic.command == USBIPHeaderBasic.USBIP_CMD_SUBMIT else { throw .unknownCommand(basic.command) }
        let length = try b.be32(at: 24)
        let packets = try USBIPFraming.isoPackets(try b.be32(at: 32), limits: limits)
        var at = USBIPHeaderBasic.urbHeaderCount
        var data: [UInt8] = []
        if basic.direction == .out {
            data = Array(b[at..<at + Int(length)])
            at += Int(length)
        }
        var setupReader = ByteReader(b, at: 40)
        let setup: USBSetupPacket
        do { setup = try USBSetupPacket(reading: &setupReader) } catch { throw USBIPError(error) }
        self.init(seqnum: basic.seqnum, devid: basic.devid, direction: basic.direction, ep: basic.ep,
                  transferFlags: try b.be32(at: 20), transferBufferLength: length, startFrame: try b.be32(at: 28),
                  numberOfPackets: try b.be32(at: 32), interval: try b.be32(at: 36), setup: setup,
                  transferBuffer: data,
                  isoPacketDescriptors: try USBIPISOPacketDescriptor.list(b, at: at, count: packets))
    }

    public var bytes: [UInt8] {
        var out = USBIPHeaderBasic(command: USBIPHeaderBasic.USBIP_CMD_SUBMIT, seqnum: seqnum, devid: devid,
                                   direction: direction, ep: ep).bytes
        out.appendBE32(transferFlags)
        out.appendBE32(direction == .out ? UInt32(transferBuffer.count) : transferBufferLength)
        out.appendBE32(startFrame)
        out.appendBE32(USBIPISOPacketDescriptor.numberOfPackets(isoPacketDescriptors, requested: numberOfPackets))
        out.appendBE32(interval)
        out += setup.bytes
        if direction == .out { out += transferBuffer }
        for descriptor in isoPacketDescriptors { out += descriptor.bytes }
        return out
    }
}
