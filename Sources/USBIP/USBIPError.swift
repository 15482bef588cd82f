/// Why bytes are not a valid USB/IP message (usbip_protocol.rst), or why a stream cannot go on.
public enum USBIPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The message needs at least `needed` bytes; `available` are present.
    case truncated(needed: Int, available: Int)
    /// The message ends after `expected` bytes; `available` are present.
    case trailingBytes(expected: Int, available: Int)
    /// An OP_* message whose version is not 0x0111.
    case badVersion(UInt16)
    /// An OP_* command code that is not expected here (e.g. a reply sent to the server).
    case unknownOpCode(UInt16)
    /// A USBIP_CMD_* / USBIP_RET_* command that is not expected here.
    case unknownCommand(UInt32)
    /// A direction other than 0 (USBIP_DIR_OUT) or 1 (USBIP_DIR_IN).
    case badDirection(UInt32)
    /// transfer_buffer_length or actual_length beyond the configured maximum.
    case transferBufferTooLong(length: UInt32, maximum: UInt32)
    /// number_of_packets beyond the configured maximum (and not 0xFFFFFFFF).
    case tooManyPackets(UInt32, maximum: UInt32)
    /// An OP_REP_DEVLIST announcing more devices than the configured maximum.
    case tooManyDevices(UInt32, maximum: UInt32)
    /// A RET_SUBMIT whose seqnum matches no CMD_SUBMIT the client sent.
    case unknownSeqnum(UInt32)
    /// A RET_SUBMIT returning more IN data than its CMD_SUBMIT asked for.
    case actualLengthTooLong(actual: UInt32, requested: UInt32)
    /// The client has more CMD_SUBMITs outstanding than the configured maximum.
    case tooManyPending(maximum: Int)
    /// A stream decoder was fed more than its capacity without its messages being taken.
    case bufferFull(capacity: Int)

    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            return "USB/IP message truncated: needs \(needed) bytes, got \(available)"
        case .trailingBytes(let expected, let available):
            return "USB/IP message of \(expected) bytes followed by \(available - expected) more"
        case .badVersion(let version):
            return "USB/IP version \(version), expected 0x0111 (273)"
        case .unknownOpCode(let code):
            return "unexpected USB/IP operation code \(code)"
        case .unknownCommand(let command):
            return "unexpected USB/IP command \(command)"
        case .badDirection(let direction):
            return "USB/IP direction \(direction) is neither 0 (out) nor 1 (in)"
        case .transferBufferTooLong(let length, let maximum):
            return "USB/IP transfer of \(length) bytes exceeds the maximum \(maximum)"
        case .tooManyPackets(let count, let maximum):
            return "USB/IP number_of_packets \(count) exceeds the maximum \(maximum)"
        case .tooManyDevices(let count, let maximum):
            return "OP_REP_DEVLIST announces \(count) devices, maximum \(maximum)"
        case .unknownSeqnum(let seqnum):
            return "USBIP_RET_SUBMIT for seqnum \(seqnum), which is not pending"
        case .actualLengthTooLong(let actual, let requested):
            return "USBIP_RET_SUBMIT returns \(actual) bytes, \(requested) were requested"
        case .tooManyPending(let maximum):
            return "more than \(maximum) USBIP_CMD_SUBMITs pending"
        case .bufferFull(let capacity):
            return "USB/IP stream buffer full (\(capacity) bytes)"
        }
    }
}
