import ISO7816

/// USBIP_RET_SUBMIT (usbip_protocol.rst): server → client, the result of a CMD_SUBMIT with
/// the same seqnum.
///
///      0 usbip_header_basic (command 0x00000003, seqnum; devid, direction, ep are 0 from Linux)
///     20 status (4, 0 or a negative errno)   24 actual_length (4)   28 start_frame (4)
///     32 number_of_packets (4)               36 error_count (4)     40 padding (8)
///     48 transfer_buffer                     actual_length bytes, IN only
///        iso_packet_descriptor[]             when number_of_packets is not 0 or 0xFFFFFFFF
///
/// Whether data follows depends on the CMD_SUBMIT's direction, which the reply does not
/// carry: parsing needs it.
public struct USBIPRetSubmit: Hashable, Sendable {
    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: USBIPDirection
    public var ep: UInt32
    /// 0, or a negative errno (-EPIPE for a stall, -ECONNRESET when unlinked, …).
    public var status: Int32
    /// Bytes transferred. `bytes` sends `transferBuffer.count` when the buffer is not empty.
    public var actualLength: UInt32
    public var startFrame: UInt32
    public var numberOfPackets: UInt32
    public var errorCount: UInt32
    /// The IN data (empty for OUT).
    public var transferBuffer: [UInt8]
    public var isoPacketDescriptors: [USBIPISOPacketDescriptor]

    public init(seqnum: UInt32, devid: UInt32 = 0, direction: USBIPDirection = .out, ep: UInt32 = 0,
                status: Int32 = 0, actualLength: UInt32, startFrame: UInt32 = 0,
                numberOfPackets: UInt32 = 0, errorCount: UInt32 = 0, transferBuffer: [UInt8] = [],
                isoPacketDescriptors: [USBIPISOPacketDescriptor] = []) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.status = status
        self.actualLength = transferBuffer.isEmpty ? actualLength : UInt32(transferBuffer.count)
        self.startFrame = startFrame
        self.numberOfPackets = USBIPISOPacketDescriptor.numberOfPackets(isoPacketDescriptors, requested: numberOfPackets)
        self.errorCount = errorCount
        self.transferBuffer = transferBuffer
        self.isoPacketDescriptors = isoPacketDescriptors
    }

    /// The reply to an IN transfer: `data` (possibly empty).
    public static func `in`(seqnum: UInt32, data: [UInt8], status: Int32 = 0) -> USBIPRetSubmit {
        USBIPRetSubmit(seqnum: seqnum, status: status, actualLength: UInt32(data.count), transferBuffer: data)
    }

    /// The reply to an OUT transfer: `actualLength` bytes were written.
    public static func out(seqnum: UInt32, actualLength: UInt32, status: Int32 = 0) -> USBIPRetSubmit {
        USBIPRetSubmit(seqnum: seqnum, status: status, actualLength: actualLength)
    }

    /// Parses exactly one RET_SUBMIT.
    /// - Parameters:
    ///   - requestDirection: the direction of the CMD_SUBMIT it answers (IN: data follows).
    ///   - requestedLength: that CMD_SUBMIT's transfer_buffer_length, if known; more IN data is an error.
    public init(parsing bytes: some Collection<UInt8>, requestDirection: USBIPDirection,
                requestedLength: UInt32 = .max, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        let frame = try USBIPFraming.urb(b, start: 0, available: b.count, server: false, limits: limits) { _ in
            (requestDirection, requestedLength)
        }
        try USBIPFraming.requireExact(frame, count: b.count)
        let basic = try USBIPHeaderBasic(b)
        guard basic.command == USBIPHeaderBasic.USBIP_RET_SUBMIT else { throw .unknownCommand(basic.command) }
        let actual = try b.be32(at: 24)
        let packets = try USBIPFraming.isoPackets(try b.be32(at: 32), limits: limits)
        var at = USBIPHeaderBasic.urbHeaderCount
        var data: [UInt8] = []
        if requestDirection == .in {
            data = Array(b[at..<at + Int(actual)])
            at += Int(actual)
        }
        self.init(seqnum: basic.seqnum, devid: basic.devid, direction: basic.direction, ep: basic.ep,
                  status: Int32(bitPattern: try b.be32(at: 20)), actualLength: actual, startFrame: try b.be32(at: 28),
                  numberOfPackets: try b.be32(at: 32), errorCount: try b.be32(at: 36), transferBuffer: data,
                  isoPacketDescriptors: try USBIPISOPacketDescriptor.list(b, at: at, count: packets))
    }

    public var bytes: [UInt8] {
        var out = USBIPHeaderBasic(command: USBIPHeaderBasic.USBIP_RET_SUBMIT, seqnum: seqnum, devid: devid,
                                   direction: direction, ep: ep).bytes
        out.appendBE32(UInt32(bitPattern: status))
        out.appendBE32(transferBuffer.isEmpty ? actualLength : UInt32(transferBuffer.count))
        out.appendBE32(startFrame)
        out.appendBE32(USBIPISOPacketDescriptor.numberOfPackets(isoPacketDescriptors, requested: numberOfPackets))
        out.appendBE32(errorCount)
        out += [0, 0, 0, 0, 0, 0, 0, 0]
        out += transferBuffer
        for descriptor in isoPacketDescriptors { out += descriptor.bytes }
        return out
    }
}
