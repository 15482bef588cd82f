/// A PC/SC error: the LONG return code of a libpcsclite function, with the name and meaning that
/// pcsc-lite's pcsclite.h gives it.
///
/// `PCSCError.check(_:)` is the one place where C return codes become errors. The codes are
/// 32-bit values; `init(rawValue:)` keeps the low 32 bits, so a code that arrives sign-extended
/// (0xFFFFFFFF8010000C) equals the plain one (0x8010000C).
///
/// ```swift
/// do { try card.transmit(apdu) } catch .removedCard { … }
/// ```
public struct PCSCError: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C LONG (`Int`), low 32 bits only.
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = Int(UInt32(truncatingIfNeeded: rawValue))
    }

    /// SCARD_S_SUCCESS: the value every function returns when it succeeds.
    public static let success: Int = 0

    /// Throws unless `result` is SCARD_S_SUCCESS. Every libpcsclite call goes through here.
    @inlinable
    public static func check(_ result: Int) throws(PCSCError) {
        if result != success { throw PCSCError(rawValue: result) }
    }

    /// The name from pcsclite.h (`SCARD_E_NO_SMARTCARD`), or `SCARD_UNKNOWN_0x…` for a code
    /// pcsclite.h does not define.
    public var name: String {
        Self.table[UInt32(truncatingIfNeeded: rawValue)]?.name ?? "SCARD_UNKNOWN_" + hex
    }

    /// What the code means, after pcsclite.h, in lower case without a final full stop.
    public var meaning: String {
        Self.table[UInt32(truncatingIfNeeded: rawValue)]?.meaning ?? "an error code that pcsc-lite does not define"
    }

    /// Whether pcsclite.h defines this code.
    public var isKnown: Bool { Self.table[UInt32(truncatingIfNeeded: rawValue)] != nil }

    /// "SCARD_E_NO_SMARTCARD (0x8010000C): the operation requires a smart card, but no smart
    /// card is currently in the device".
    public var description: String { "\(name) (\(hex)): \(meaning)" }

    private var hex: String {
        let digits = String(UInt32(truncatingIfNeeded: rawValue), radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

// The codes of pcsc-lite 1.9.9's pcsclite.h, in its order.
extension PCSCError {
    public static let internalError = PCSCError(rawValue: 0x8010_0001)
    public static let cancelled = PCSCError(rawValue: 0x8010_0002)
    public static let invalidHandle = PCSCError(rawValue: 0x8010_0003)
    public static let invalidParameter = PCSCError(rawValue: 0x8010_0004)
    public static let invalidTarget = PCSCError(rawValue: 0x8010_0005)
    public static let noMemory = PCSCError(rawValue: 0x8010_0006)
    public static let waitedTooLong = PCSCError(rawValue: 0x8010_0007)
    public static let insufficientBuffer = PCSCError(rawValue: 0x8010_0008)
    public static let unknownReader = PCSCError(rawValue: 0x8010_0009)
    public static let timeout = PCSCError(rawValue: 0x8010_000A)
    public static let sharingViolation = PCSCError(rawValue: 0x8010_000B)
    public static let noSmartCard = PCSCError(rawValue: 0x8010_000C)
    public static let unknownCard = PCSCError(rawValue: 0x8010_000D)
    public static let cantDispose = PCSCError(rawValue: 0x8010_000E)
    public static let protocolMismatch = PCSCError(rawValue: 0x8010_000F)
    public static let notReady = PCSCError(rawValue: 0x8010_0010)
    public static let invalidValue = PCSCError(rawValue: 0x8010_0011)
    public static let systemCancelled = PCSCError(rawValue: 0x8010_0012)
    public static let commError = PCSCError(rawValue: 0x8010_0013)
    public static let unknownError = PCSCError(rawValue: 0x8010_0014)
    public static let invalidATR = PCSCError(rawValue: 0x8010_0015)
    public static let notTransacted = PCSCError(rawValue: 0x8010_0016)
    public static let readerUnavailable = PCSCError(rawValue: 0x8010_0017)
    public static let shutdown = PCSCError(rawValue: 0x8010_0018)
    public static let pciTooSmall = PCSCError(rawValue: 0x8010_0019)
    public static let readerUnsupported = PCSCError(rawValue: 0x8010_001A)
    public static let duplicateReader = PCSCError(rawValue: 0x8010_001B)
    public static let cardUnsupported = PCSCError(rawValue: 0x8010_001C)
    public static let noService = PCSCError(rawValue: 0x8010_001D)
    public static let serviceStopped = PCSCError(rawValue: 0x8010_001E)
    /// SCARD_E_UNSUPPORTED_FEATURE; pcsclite.h gives SCARD_E_UNEXPECTED the same value.
    public static let unsupportedFeature = PCSCError(rawValue: 0x8010_001F)
    /// SCARD_E_UNEXPECTED, the same code as ``unsupportedFeature``.
    public static let unexpected = unsupportedFeature
    public static let iccInstallation = PCSCError(rawValue: 0x8010_0020)
    public static let iccCreateOrder = PCSCError(rawValue: 0x8010_0021)
    public static let dirNotFound = PCSCError(rawValue: 0x8010_0023)
    public static let fileNotFound = PCSCError(rawValue: 0x8010_0024)
    public static let noDir = PCSCError(rawValue: 0x8010_0025)
    public static let noFile = PCSCError(rawValue: 0x8010_0026)
    public static let noAccess = PCSCError(rawValue: 0x8010_0027)
    public static let writeTooMany = PCSCError(rawValue: 0x8010_0028)
    public static let badSeek = PCSCError(rawValue: 0x8010_0029)
    public static let invalidCHV = PCSCError(rawValue: 0x8010_002A)
    public static let unknownResourceManager = PCSCError(rawValue: 0x8010_002B)
    public static let noSuchCertificate = PCSCError(rawValue: 0x8010_002C)
    public static let certificateUnavailable = PCSCError(rawValue: 0x8010_002D)
    public static let noReadersAvailable = PCSCError(rawValue: 0x8010_002E)
    public static let commDataLost = PCSCError(rawValue: 0x8010_002F)
    public static let noKeyContainer = PCSCError(rawValue: 0x8010_0030)
    public static let serverTooBusy = PCSCError(rawValue: 0x8010_0031)
    public static let unsupportedCard = PCSCError(rawValue: 0x8010_0065)
    public static let unresponsiveCard = PCSCError(rawValue: 0x8010_0066)
    public static let unpoweredCard = PCSCError(rawValue: 0x8010_0067)
    public static let resetCard = PCSCError(rawValue: 0x8010_0068)
    public static let removedCard = PCSCError(rawValue: 0x8010_0069)
    public static let securityViolation = PCSCError(rawValue: 0x8010_006A)
    public static let wrongCHV = PCSCError(rawValue: 0x8010_006B)
    public static let chvBlocked = PCSCError(rawValue: 0x8010_006C)
    public static let endOfFile = PCSCError(rawValue: 0x8010_006D)
    public static let cancelledByUser = PCSCError(rawValue: 0x8010_006E)
    public static let cardNotAuthenticated = PCSCError(rawValue: 0x8010_006F)

    /// Every code pcsclite.h defines (SCARD_E_UNEXPECTED and SCARD_E_UNSUPPORTED_FEATURE once).
    public static var allKnown: [PCSCError] {
        table.keys.sorted().map { PCSCError(rawValue: Int($0)) }
    }

    /// Name and meaning of each code; the meanings follow pcsclite.h's comments.
    static let table: [UInt32: (name: String, meaning: String)] = [
        0x8010_0001: ("SCARD_F_INTERNAL_ERROR", "an internal consistency check failed"),
        0x8010_0002: ("SCARD_E_CANCELLED", "the action was cancelled by an SCardCancel request"),
        0x8010_0003: ("SCARD_E_INVALID_HANDLE", "the supplied handle was invalid"),
        0x8010_0004: ("SCARD_E_INVALID_PARAMETER", "one or more of the supplied parameters could not be properly interpreted"),
        0x8010_0005: ("SCARD_E_INVALID_TARGET", "registry startup information is missing or invalid"),
        0x8010_0006: ("SCARD_E_NO_MEMORY", "not enough memory available to complete this command"),
        0x8010_0007: ("SCARD_F_WAITED_TOO_LONG", "an internal consistency timer has expired"),
        0x8010_0008: ("SCARD_E_INSUFFICIENT_BUFFER", "the data buffer to receive returned data is too small for the returned data"),
        0x8010_0009: ("SCARD_E_UNKNOWN_READER", "the specified reader name is not recognized"),
        0x8010_000A: ("SCARD_E_TIMEOUT", "the user-specified timeout value has expired"),
        0x8010_000B: ("SCARD_E_SHARING_VIOLATION", "the smart card cannot be accessed because of other connections outstanding"),
        0x8010_000C: ("SCARD_E_NO_SMARTCARD", "the operation requires a smart card, but no smart card is currently in the device"),
        0x8010_000D: ("SCARD_E_UNKNOWN_CARD", "the specified smart card name is not recognized"),
        0x8010_000E: ("SCARD_E_CANT_DISPOSE", "the system could not dispose of the media in the requested manner"),
        0x8010_000F: ("SCARD_E_PROTO_MISMATCH", "the requested protocols are incompatible with the protocol currently in use with the smart card"),
        0x8010_0010: ("SCARD_E_NOT_READY", "the reader or smart card is not ready to accept commands"),
        0x8010_0011: ("SCARD_E_INVALID_VALUE", "one or more of the supplied parameter values could not be properly interpreted"),
        0x8010_0012: ("SCARD_E_SYSTEM_CANCELLED", "the action was cancelled by the system, presumably to log off or shut down"),
        0x8010_0013: ("SCARD_F_COMM_ERROR", "an internal communications error has been detected"),
        0x8010_0014: ("SCARD_F_UNKNOWN_ERROR", "an internal error has been detected, but the source is unknown"),
        0x8010_0015: ("SCARD_E_INVALID_ATR", "an ATR obtained from the registry is not a valid ATR string"),
        0x8010_0016: ("SCARD_E_NOT_TRANSACTED", "an attempt was made to end a non-existent transaction"),
        0x8010_0017: ("SCARD_E_READER_UNAVAILABLE", "the specified reader is not currently available for use"),
        0x8010_0018: ("SCARD_P_SHUTDOWN", "the operation has been aborted to allow the server application to exit"),
        0x8010_0019: ("SCARD_E_PCI_TOO_SMALL", "the PCI receive buffer was too small"),
        0x8010_001A: ("SCARD_E_READER_UNSUPPORTED", "the reader driver does not meet minimal requirements for support"),
        0x8010_001B: ("SCARD_E_DUPLICATE_READER", "the reader driver did not produce a unique reader name"),
        0x8010_001C: ("SCARD_E_CARD_UNSUPPORTED", "the smart card does not meet minimal requirements for support"),
        0x8010_001D: ("SCARD_E_NO_SERVICE", "the smart card resource manager is not running"),
        0x8010_001E: ("SCARD_E_SERVICE_STOPPED", "the smart card resource manager has shut down"),
        0x8010_001F: ("SCARD_E_UNSUPPORTED_FEATURE",
                      "this smart card or reader does not support the requested feature (SCARD_E_UNEXPECTED, an unexpected card error, has the same code)"),
        0x8010_0020: ("SCARD_E_ICC_INSTALLATION", "no primary provider can be found for the smart card"),
        0x8010_0021: ("SCARD_E_ICC_CREATEORDER", "the requested order of object creation is not supported"),
        0x8010_0023: ("SCARD_E_DIR_NOT_FOUND", "the identified directory does not exist in the smart card"),
        0x8010_0024: ("SCARD_E_FILE_NOT_FOUND", "the identified file does not exist in the smart card"),
        0x8010_0025: ("SCARD_E_NO_DIR", "the supplied path does not represent a smart card directory"),
        0x8010_0026: ("SCARD_E_NO_FILE", "the supplied path does not represent a smart card file"),
        0x8010_0027: ("SCARD_E_NO_ACCESS", "access is denied to this file"),
        0x8010_0028: ("SCARD_E_WRITE_TOO_MANY", "the smart card does not have enough memory to store the information"),
        0x8010_0029: ("SCARD_E_BAD_SEEK", "there was an error trying to set the smart card file object pointer"),
        0x8010_002A: ("SCARD_E_INVALID_CHV", "the supplied PIN is incorrect"),
        0x8010_002B: ("SCARD_E_UNKNOWN_RES_MNG", "an unrecognized error code was returned from a layered component"),
        0x8010_002C: ("SCARD_E_NO_SUCH_CERTIFICATE", "the requested certificate does not exist"),
        0x8010_002D: ("SCARD_E_CERTIFICATE_UNAVAILABLE", "the requested certificate could not be obtained"),
        0x8010_002E: ("SCARD_E_NO_READERS_AVAILABLE", "cannot find a smart card reader"),
        0x8010_002F: ("SCARD_E_COMM_DATA_LOST", "a communications error with the smart card has been detected; retry the operation"),
        0x8010_0030: ("SCARD_E_NO_KEY_CONTAINER", "the requested key container does not exist on the smart card"),
        0x8010_0031: ("SCARD_E_SERVER_TOO_BUSY", "the smart card resource manager is too busy to complete this operation"),
        0x8010_0065: ("SCARD_W_UNSUPPORTED_CARD", "the reader cannot communicate with the card, due to ATR string configuration conflicts"),
        0x8010_0066: ("SCARD_W_UNRESPONSIVE_CARD", "the smart card is not responding to a reset"),
        0x8010_0067: ("SCARD_W_UNPOWERED_CARD", "power has been removed from the smart card, so that further communication is not possible"),
        0x8010_0068: ("SCARD_W_RESET_CARD", "the smart card has been reset, so any shared state information is invalid"),
        0x8010_0069: ("SCARD_W_REMOVED_CARD", "the smart card has been removed, so further communication is not possible"),
        0x8010_006A: ("SCARD_W_SECURITY_VIOLATION", "access was denied because of a security violation"),
        0x8010_006B: ("SCARD_W_WRONG_CHV", "the card cannot be accessed because the wrong PIN was presented"),
        0x8010_006C: ("SCARD_W_CHV_BLOCKED", "the card cannot be accessed because the maximum number of PIN entry attempts has been reached"),
        0x8010_006D: ("SCARD_W_EOF", "the end of the smart card file has been reached"),
        0x8010_006E: ("SCARD_W_CANCELLED_BY_USER", "the user pressed \"Cancel\" on a smart card selection dialog"),
        0x8010_006F: ("SCARD_W_CARD_NOT_AUTHENTICATED", "no PIN was presented to the smart card"),
    ]
}
