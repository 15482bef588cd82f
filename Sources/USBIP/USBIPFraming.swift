import ISO7816

/// How long the message starting at `start` in `buffer` is, computed from as few bytes as
/// possible so that a stream decoder knows when a message is complete and refuses absurd
/// lengths before waiting for them. Shared by the one-message parsers and the stream decoder.
enum USBIPFrame: Equatable {
    /// The message is exactly this long.
    case length(Int)
    /// At least this many bytes are needed to tell the length.
    case needAtLeast(Int)
}

enum USBIPFraming {
    /// The length of an OP_* message whose code is one of `expected`.
    static func op(_ b: [UInt8], start: Int, available: Int, expected: [USBIPOpCode],
                   limits: USBIPLimits) throws(USBIPError) -> USBIPFrame {
        guard available >= USBIPOpCode.headerCount else { return .needAtLeast(USBIPOpCode.headerCount) }
        let version = try b.be16(at: start)
        guard version == USBIPOpCode.version else { throw .badVersion(version) }
        let rawCode = try b.be16(at: start + 2)
        guard let code = USBIPOpCode(rawValue: rawCode), expected.contains(code) else {
            throw .unknownOpCode(rawCode)
        }
        let status = try b.be32(at: start + 4)
        switch code {
        case .OP_REQ_DEVLIST:
            return .length(USBIPOpCode.headerCount)
        case .OP_REQ_IMPORT:
            return .length(USBIPOpCode.headerCount + USBIPUSBDevice.busidSize)
        case .OP_REP_IMPORT:
            return .length(USBIPOpCode.headerCount + (status == 0 ? USBIPUSBDevice.count : 0))
        case .OP_REP_DEVLIST:
            guard status == 0 else { return .length(USBIPOpCode.headerCount) }
            return try devlist(b, start: start, available: available, limits: limits)
        }
    }

    /// OP_REP_DEVLIST with status 0: header, number of devices, then each device record with
    /// its interfaces (bNumInterfaces is the record's last byte).
    private static func devlist(_ b: [UInt8], start: Int, available: Int,
                                limits: USBIPLimits) throws(USBIPError) -> USBIPFrame {
        var needed = USBIPOpCode.headerCount + 4
        guard available >= needed else { return .needAtLeast(needed) }
        let devices = try b.be32(at: start + USBIPOpCode.headerCount)
        guard devices <= limits.maxDevices else { throw .tooManyDevices(devices, maximum: limits.maxDevices) }
        for _ in 0..<Int(devices) {
            needed += USBIPUSBDevice.count
            guard available >= needed else { return .needAtLeast(needed) }
            needed += Int(try b.byte(at: start + needed - 1)) * USBIPUSBInterface.count
        }
        return .length(needed)
    }

    /// The length of a USBIP_CMD_* (server side) or USBIP_RET_* (client side) message.
    /// - Parameter pending: for RET_SUBMIT, the direction and transfer_buffer_length of the
    ///   CMD_SUBMIT with that seqnum, or `nil` if there is none.
    static func urb(_ b: [UInt8], start: Int, available: Int, server: Bool, limits: USBIPLimits,
                    pending: (UInt32) -> (direction: USBIPDirection, length: UInt32)?) throws(USBIPError)
        -> USBIPFrame
    {
        let header = USBIPHeaderBasic.urbHeaderCount
        guard available >= header else { return .needAtLeast(header) }
        let command = try b.be32(at: start)
        let rawDirection = try b.be32(at: start + 12)
        guard let direction = USBIPDirection(rawValue: rawDirection) else { throw .badDirection(rawDirection) }
        switch (command, server) {
        case (USBIPHeaderBasic.USBIP_CMD_SUBMIT, true):
            let length = try b.be32(at: start + 24)
            guard length <= limits.maxTransferBufferLength else {
                throw .transferBufferTooLong(length: length, maximum: limits.maxTransferBufferLength)
            }
            let packets = try isoPackets(try b.be32(at: start + 32), limits: limits)
            return .length(header + (direction == .out ? Int(length) : 0) + packets * USBIPISOPacketDescriptor.count)
        case (USBIPHeaderBasic.USBIP_RET_SUBMIT, false):
            let seqnum = try b.be32(at: start + 4)
            guard let request = pending(seqnum) else { throw .unknownSeqnum(seqnum) }
            let actual = try b.be32(at: start + 24)
            guard actual <= limits.maxTransferBufferLength else {
                throw .transferBufferTooLong(length: actual, maximum: limits.maxTransferBufferLength)
            }
            if request.direction == .in {
                guard actual <= request.length else { throw .actualLengthTooLong(actual: actual, requested: request.length) }
            }
            let packets = try isoPackets(try b.be32(at: start + 32), limits: limits)
            return .length(header + (request.direction == .in ? Int(actual) : 0)
                           + packets * USBIPISOPacketDescriptor.count)
        case (USBIPHeaderBasic.USBIP_CMD_UNLINK, true), (USBIPHeaderBasic.USBIP_RET_UNLINK, false):
            return .length(header)
        default:
            throw .unknownCommand(command)
        }
    }

    /// The number of ISO packet descriptors that number_of_packets announces.
    static func isoPackets(_ numberOfPackets: UInt32, limits: USBIPLimits) throws(USBIPError) -> Int {
        if numberOfPackets == USBIPISOPacketDescriptor.notISO { return 0 }
        guard numberOfPackets <= limits.maxNumberOfPackets else {
            throw .tooManyPackets(numberOfPackets, maximum: limits.maxNumberOfPackets)
        }
        return Int(numberOfPackets)
    }

    /// Checks that `bytes` hold exactly one message of `frame`'s length.
    static func requireExact(_ frame: USBIPFrame, count: Int) throws(USBIPError) {
        switch frame {
        case .needAtLeast(let needed):
            throw .truncated(needed: needed, available: count)
        case .length(let length):
            guard count >= length else { throw .truncated(needed: length, available: count) }
            guard count == length else { throw .trailingBytes(expected: length, available: count) }
        }
    }
}

/// Checks that `bytes` are exactly one 48-byte message with `command`.
func usbipFixedURB(_ bytes: some Collection<UInt8>, command: UInt32) throws(USBIPError) -> [UInt8] {
    let b = Array(bytes)
    let size = USBIPHeaderBasic.urbHeaderCount
    guard b.count >= size else { throw .truncated(needed: size, available: b.count) }
    guard try b.be32(at: 0) == command else { throw .unknownCommand(try b.be32(at: 0)) }
    guard b.count == size else { throw .trailingBytes(expected: size, available: b.count) }
    return b
}

/// Checked field reads through ISO7816's ``ByteReader``: a buffer too short for the field is
/// ``USBIPError/truncated(needed:available:)``, never a trap. USB/IP fields are big-endian.
extension Array where Element == UInt8 {
    func byte(at offset: Int) throws(USBIPError) -> UInt8 {
        var reader = ByteReader(self, at: offset)
        do { return try reader.readByte() } catch { throw USBIPError(error) }
    }

    func be16(at offset: Int) throws(USBIPError) -> UInt16 {
        var reader = ByteReader(self, at: offset)
        do { return try reader.readBE16() } catch { throw USBIPError(error) }
    }

    func be32(at offset: Int) throws(USBIPError) -> UInt32 {
        var reader = ByteReader(self, at: offset)
        do { return try reader.readBE32() } catch { throw USBIPError(error) }
    }

    /// The bytes of a NUL-padded char array of `size` bytes: up to the first NUL, or all of them.
    func fixedString(at offset: Int, size: Int) throws(USBIPError) -> [UInt8] {
        var reader = ByteReader(self, at: offset)
        let field: [UInt8]
        do { field = try reader.readBytes(size) } catch { throw USBIPError(error) }
        return Array(field.prefix { $0 != 0 })
    }

    /// Appends `bytes` as a fixed-size, NUL-padded char array of `size` bytes (cut if longer).
    mutating func appendFixed(_ bytes: [UInt8], size: Int) {
        let used = Swift.min(bytes.count, size)
        append(contentsOf: bytes[0..<used])
        append(contentsOf: repeatElement(0, count: size - used))
    }
}

extension USBIPError {
    /// A short read of a field: the message is truncated.
    init(_ error: ByteReadError) {
        self = .truncated(needed: error.needed, available: error.available)
    }
}
