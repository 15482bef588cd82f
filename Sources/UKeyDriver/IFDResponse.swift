import CIFDHandler

/// The one place where driver errors become IFD_* response codes (pcsc-lite ifdhandler.h).
package enum IFDResponse {
    package static let success = RESPONSECODE(IFD_SUCCESS)

    package static func code(for error: DriverError) -> RESPONSECODE {
        switch error {
        case .noSuchDevice: return RESPONSECODE(IFD_NO_SUCH_DEVICE)
        case .communication, .badCCIDReply, .badUSBIPMessage, .sequenceMismatch, .unexpectedReply, .t1:
            return RESPONSECODE(IFD_COMMUNICATION_ERROR)
        case .slotError(let slotError):
            switch slotError {
            // A mute card still in the slot (bmICCStatus present; an absent one is
            // `.iccNotPresent`): IFD_COMMUNICATION_ERROR, as libccid's CCID_Receive gives it.
            // The card may have reset; IFDHICCPresence then reports it (`Reader.isCardPresent`).
            case .ICC_PROTOCOL_NOT_SUPPORTED: return RESPONSECODE(IFD_PROTOCOL_NOT_SUPPORTED)
            // PIN_TIMEOUT and PIN_CANCELLED end a PIN entry with the responses 6400 / 6401
            // (`SecurePIN`), as libccid; anywhere else they are a broken reply, as there.
            default: return RESPONSECODE(IFD_COMMUNICATION_ERROR)
            }
        case .iccNotPresent: return RESPONSECODE(IFD_ICC_NOT_PRESENT)
        case .timeout, .timeExtensionLimit: return RESPONSECODE(IFD_RESPONSE_TIMEOUT)
        case .insufficientBuffer: return RESPONSECODE(IFD_ERROR_INSUFFICIENT_BUFFER)
        case .notSupported: return RESPONSECODE(IFD_NOT_SUPPORTED)
        case .protocolNotSupported: return RESPONSECODE(IFD_PROTOCOL_NOT_SUPPORTED)
        case .unknownTag: return RESPONSECODE(IFD_ERROR_TAG)
        }
    }

    /// Runs `body`, tracing and mapping its error.
    static func run(_ call: @autoclosure () -> String, _ body: () throws(DriverError) -> Void) -> RESPONSECODE {
        do {
            try body()
            return success
        } catch {
            Trace.log { "\(call()) → \(error) → \(name(code(for: error)))" }
            return code(for: error)
        }
    }

    /// The IFD_* name of a code, for traces.
    static func name(_ code: RESPONSECODE) -> String {
        switch Int32(truncatingIfNeeded: code) {
        case IFD_SUCCESS: return "IFD_SUCCESS"
        case IFD_ERROR_TAG: return "IFD_ERROR_TAG"
        case IFD_NOT_SUPPORTED: return "IFD_NOT_SUPPORTED"
        case IFD_PROTOCOL_NOT_SUPPORTED: return "IFD_PROTOCOL_NOT_SUPPORTED"
        case IFD_COMMUNICATION_ERROR: return "IFD_COMMUNICATION_ERROR"
        case IFD_RESPONSE_TIMEOUT: return "IFD_RESPONSE_TIMEOUT"
        case IFD_ICC_PRESENT: return "IFD_ICC_PRESENT"
        case IFD_ICC_NOT_PRESENT: return "IFD_ICC_NOT_PRESENT"
        case IFD_NO_SUCH_DEVICE: return "IFD_NO_SUCH_DEVICE"
        case IFD_ERROR_INSUFFICIENT_BUFFER: return "IFD_ERROR_INSUFFICIENT_BUFFER"
        default: return "IFD code \(code)"
        }
    }
}
