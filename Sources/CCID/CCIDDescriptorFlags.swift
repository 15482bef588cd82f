/// Bit fields of the CCID class descriptor (CCID rev 1.1 §5.1, Table 5.1-1).

/// dwFeatures: what the reader does on its own, and its exchange level (bits 16–18).
public struct CCIDFeatures: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 00000002 Automatic parameter configuration based on the ATR.
    public static let automaticParameterConfiguration = CCIDFeatures(rawValue: 0x0000_0002)
    /// 00000004 Automatic activation of the ICC on insertion.
    public static let automaticActivation = CCIDFeatures(rawValue: 0x0000_0004)
    /// 00000008 Automatic ICC voltage selection.
    public static let automaticVoltage = CCIDFeatures(rawValue: 0x0000_0008)
    /// 00000010 Automatic ICC clock frequency change according to the parameters.
    public static let automaticClock = CCIDFeatures(rawValue: 0x0000_0010)
    /// 00000020 Automatic baud rate change according to frequency and Fi, Di.
    public static let automaticBaud = CCIDFeatures(rawValue: 0x0000_0020)
    /// 00000040 Automatic parameter negotiation made by the CCID (proprietary algorithm).
    public static let automaticParameterNegotiation = CCIDFeatures(rawValue: 0x0000_0040)
    /// 00000080 Automatic PPS made by the CCID according to the active parameters.
    public static let automaticPPS = CCIDFeatures(rawValue: 0x0000_0080)
    /// 00000100 The CCID can set the ICC in clock stop mode.
    public static let clockStop = CCIDFeatures(rawValue: 0x0000_0100)
    /// 00000200 NAD values other than 00 accepted (T=1).
    public static let nadOtherThanZero = CCIDFeatures(rawValue: 0x0000_0200)
    /// 00000400 Automatic IFSD exchange as first exchange (T=1).
    public static let automaticIFSD = CCIDFeatures(rawValue: 0x0000_0400)
    /// 00010000 TPDU level exchange.
    public static let tpduLevel = CCIDFeatures(rawValue: 0x0001_0000)
    /// 00020000 Short APDU level exchange.
    public static let shortAPDULevel = CCIDFeatures(rawValue: 0x0002_0000)
    /// 00040000 Short and extended APDU level exchange.
    public static let extendedAPDULevel = CCIDFeatures(rawValue: 0x0004_0000)
    /// 00100000 USB wake-up signalling on card insertion and removal.
    public static let usbWakeUp = CCIDFeatures(rawValue: 0x0010_0000)

    /// The exchange level bits (mask 00070000); none set is character level.
    public static let exchangeLevelMask = CCIDFeatures(rawValue: 0x0007_0000)

    /// The exchange level.
    public enum ExchangeLevel: Hashable, Sendable {
        case character, tpdu, shortAPDU, extendedAPDU
    }

    /// The exchange level, or `nil` if more than one level bit is set.
    public var exchangeLevel: ExchangeLevel? {
        switch rawValue & CCIDFeatures.exchangeLevelMask.rawValue {
        case 0: return .character
        case CCIDFeatures.tpduLevel.rawValue: return .tpdu
        case CCIDFeatures.shortAPDULevel.rawValue: return .shortAPDU
        case CCIDFeatures.extendedAPDULevel.rawValue: return .extendedAPDU
        default: return nil
        }
    }
}

/// bVoltageSupport.
public struct CCIDVoltageSupport: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let volts5_0 = CCIDVoltageSupport(rawValue: 0x01)
    public static let volts3_0 = CCIDVoltageSupport(rawValue: 0x02)
    public static let volts1_8 = CCIDVoltageSupport(rawValue: 0x04)
}

/// dwProtocols (bits 0–15 asynchronous protocols; the high word RFU).
public struct CCIDProtocols: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let t0 = CCIDProtocols(rawValue: 0x0001)
    public static let t1 = CCIDProtocols(rawValue: 0x0002)
}

/// dwMechanical.
public struct CCIDMechanical: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let acceptMechanism = CCIDMechanical(rawValue: 0x0001)
    public static let ejectionMechanism = CCIDMechanical(rawValue: 0x0002)
    public static let captureMechanism = CCIDMechanical(rawValue: 0x0004)
    public static let lockUnlock = CCIDMechanical(rawValue: 0x0008)
}

/// bPINSupport.
public struct CCIDPINSupport: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let verification = CCIDPINSupport(rawValue: 0x01)
    public static let modification = CCIDPINSupport(rawValue: 0x02)
}
