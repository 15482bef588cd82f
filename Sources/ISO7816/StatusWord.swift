/// The two trailer bytes SW1 SW2 of every response (ISO/IEC 7816-4 §5.6).
///
/// Applets throw status words: on a card they are the only error channel.
public struct StatusWord: RawRepresentable, Error, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public init(sw1: UInt8, sw2: UInt8) { rawValue = UInt16(sw1) << 8 | UInt16(sw2) }

    public var sw1: UInt8 { UInt8(rawValue >> 8) }
    public var sw2: UInt8 { UInt8(rawValue & 0xFF) }
    public var bytes: [UInt8] { [sw1, sw2] }

    /// 9000 and the 61xx "more data available" family complete a command normally.
    public var isSuccess: Bool { rawValue == 0x9000 || sw1 == 0x61 }

    // MARK: The status words UKey's applets and card OS use (ISO/IEC 7816-4 table 5 and 6)

    /// 9000: normal processing, no further qualification.
    public static let success = StatusWord(0x9000)
    /// 61xx: SW2 more bytes available, fetched with GET RESPONSE (00 means 256 or more).
    public static func bytesAvailable(_ count: Int) -> StatusWord {
        StatusWord(sw1: 0x61, sw2: count >= 256 ? 0 : UInt8(clamping: count))
    }
    /// 63Cx: verification failed, x further tries allowed.
    public static func verificationFailed(triesLeft: Int) -> StatusWord {
        StatusWord(sw1: 0x63, sw2: 0xC0 | UInt8(min(max(triesLeft, 0), 15)))
    }
    /// 6283: selected file deactivated (UKey: an applet whose stored state a newer firmware
    /// refuses to use, e.g. a banking token made by firmware 1.x).
    public static let applicationDeactivated = StatusWord(0x6283)
    /// 6401: execution error, immediate response required by the card (UKey: the holder did not answer in time).
    public static let timeout = StatusWord(0x6401)
    /// 6581: memory failure (UKey: the NVM write did not complete).
    public static let memoryFailure = StatusWord(0x6581)
    /// 6700: wrong length.
    public static let wrongLength = StatusWord(0x6700)
    /// 6883: last command of the chain expected.
    public static let lastCommandOfChainExpected = StatusWord(0x6883)
    /// 6900: command not allowed, no information given (UKey banking: CHANGE or UNBLOCK with a
    /// new PIN equal to the old one; no try is used).
    public static let commandNotAllowed = StatusWord(0x6900)
    /// 6982: security status not satisfied.
    public static let securityStatusNotSatisfied = StatusWord(0x6982)
    /// 6983: authentication method blocked.
    public static let authenticationMethodBlocked = StatusWord(0x6983)
    /// 6984: reference data not usable.
    public static let referenceDataNotUsable = StatusWord(0x6984)
    /// 6985: conditions of use not satisfied (UKey: the holder cancelled).
    public static let conditionsNotSatisfied = StatusWord(0x6985)
    /// 6A80: incorrect parameters in the command data field.
    public static let wrongData = StatusWord(0x6A80)
    /// 6A81: function not supported (PIV: PUT DATA to an object the card writes itself).
    public static let functionNotSupported = StatusWord(0x6A81)
    /// 6A82: file or application not found.
    public static let fileNotFound = StatusWord(0x6A82)
    /// 6A84: not enough memory space in the file.
    public static let notEnoughMemory = StatusWord(0x6A84)
    /// 6A86: incorrect parameters P1-P2.
    public static let wrongP1P2 = StatusWord(0x6A86)
    /// 6A88: referenced data or reference data not found.
    public static let referencedDataNotFound = StatusWord(0x6A88)
    /// 6D00: instruction code not supported or invalid.
    public static let insNotSupported = StatusWord(0x6D00)
    /// 6E00: class not supported.
    public static let claNotSupported = StatusWord(0x6E00)
    /// 6F00: no precise diagnosis.
    public static let noPreciseDiagnosis = StatusWord(0x6F00)
}
