import CCID
import USBIP

/// Everything that can go wrong below the IFDH entry points. One function,
/// `IFDResponse.code(for:)`, turns it into the IFD_* code pcscd sees.
package enum DriverError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reader (device, USB/IP connection) is gone: IFD_NO_SUCH_DEVICE.
    case noSuchDevice(String)
    /// The link failed or the device answered nonsense: IFD_COMMUNICATION_ERROR.
    case communication(String)
    /// A CCID reply that does not parse.
    case badCCIDReply(CCIDError)
    /// A USB/IP message that does not parse; the connection is dropped.
    case badUSBIPMessage(USBIPError)
    /// A reply whose bSeq is not the command's (after a few stale ones were skipped).
    case sequenceMismatch(expected: UInt8, got: UInt8)
    /// A reply of the wrong RDR_to_PC type for the command.
    case unexpectedReply(expected: CCIDMessageType, got: CCIDMessageType)
    /// The slot failed the command (bmCommandStatus 1) with this bError.
    case slotError(CCIDSlotError)
    /// No card in the slot, or it does not answer: IFD_ICC_NOT_PRESENT.
    case iccNotPresent
    /// The device did not answer at all in time: IFD_RESPONSE_TIMEOUT.
    case timeout
    /// The device kept asking for more time (CCID time extensions, T=1 S(WTX)) past the
    /// command's limit; the command was aborted: IFD_RESPONSE_TIMEOUT.
    case timeExtensionLimit(milliseconds: Int)
    /// The caller's buffer is too small: IFD_ERROR_INSUFFICIENT_BUFFER.
    case insufficientBuffer(needed: Int)
    /// The request is not supported: IFD_NOT_SUPPORTED.
    case notSupported(String)
    /// The protocol is not offered by the card or reader: IFD_PROTOCOL_NOT_SUPPORTED.
    case protocolNotSupported
    /// Unknown capability tag: IFD_ERROR_TAG.
    case unknownTag(UInt)
    /// The T=1 exchange failed after resynchronisation.
    case t1(String)

    package var description: String {
        switch self {
        case .noSuchDevice(let why): return "no such device: \(why)"
        case .communication(let why): return "communication error: \(why)"
        case .badCCIDReply(let error): return "bad CCID reply: \(error)"
        case .badUSBIPMessage(let error): return "bad USB/IP message: \(error)"
        case .sequenceMismatch(let expected, let got): return "reply bSeq \(got), expected \(expected)"
        case .unexpectedReply(let expected, let got): return "reply \(got), expected \(expected)"
        case .slotError(let error): return "slot error \(error)"
        case .iccNotPresent: return "ICC not present"
        case .timeout: return "device response timeout"
        case .timeExtensionLimit(let limit): return "device still asking for more time after \(limit) ms"
        case .insufficientBuffer(let needed): return "buffer too small (\(needed) bytes needed)"
        case .notSupported(let what): return "not supported: \(what)"
        case .protocolNotSupported: return "protocol not supported"
        case .unknownTag(let tag): return "unknown tag 0x" + String(tag, radix: 16)
        case .t1(let why): return "T=1: \(why)"
        }
    }
}
