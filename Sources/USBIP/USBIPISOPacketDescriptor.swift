import ISO7816

/// `usbip_iso_packet_descriptor` (usbip_protocol.rst), 16 bytes each, big-endian, following
/// the data of a CMD_SUBMIT or RET_SUBMIT when number_of_packets is neither 0 nor 0xFFFFFFFF:
///
///     0 offset (4)  4 length (4)  8 actual_length (4)  12 status (4)
public struct USBIPISOPacketDescriptor: Hashable, Sendable {
    public static let count = 16
    /// number_of_packets of a transfer that is not isochronous.
    public static let notISO: UInt32 = 0xFFFF_FFFF

    public var offset: UInt32
    public var length: UInt32
    public var actualLength: UInt32
    public var status: Int32

    public init(offset: UInt32, length: UInt32, actualLength: UInt32 = 0, status: Int32 = 0) {
        self.offset = offset
        self.length = length
        self.actualLength = actualLength
        self.status = status
    }

    /// Decodes the 16 bytes at `at`.
    init(_ b: [UInt8], at: Int) throws(USBIPError) {
        self.init(offset: try b.be32(at: at), length: try b.be32(at: at + 4), actualLength: try b.be32(at: at + 8),
                  status: Int32(bitPattern: try b.be32(at: at + 12)))
    }

    /// Decodes `count` descriptors starting at `at`.
    static func list(_ b: [UInt8], at: Int, count: Int) throws(USBIPError) -> [USBIPISOPacketDescriptor] {
        var out: [USBIPISOPacketDescriptor] = []
        out.reserveCapacity(count)
        for index in 0..<count { out.append(try USBIPISOPacketDescriptor(b, at: at + index * 16)) }
        return out
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendBE32(offset)
        out.appendBE32(length)
        out.appendBE32(actualLength)
        out.appendBE32(UInt32(bitPattern: status))
        return out
    }

    /// The number_of_packets to send for `descriptors`: their count, or `requested` (0 or
    /// 0xFFFFFFFF) when there are none, so that the field always matches what follows.
    static func numberOfPackets(_ descriptors: [USBIPISOPacketDescriptor], requested: UInt32) -> UInt32 {
        guard descriptors.isEmpty else { return UInt32(descriptors.count) }
        return requested == notISO ? notISO : 0
    }
}
