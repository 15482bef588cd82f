import ISO7816

/// The Smart Card Device Class descriptor (CCID rev 1.1 §5.1, Table 5.1-1): 54 bytes after
/// the interface descriptor, little-endian.
///
///     0 bLength (0x36)      1 bDescriptorType (0x21)  2 bcdCCID          4 bMaxSlotIndex
///     5 bVoltageSupport     6 dwProtocols            10 dwDefaultClock   14 dwMaximumClock
///    18 bNumClockSupported 19 dwDataRate             23 dwMaxDataRate    27 bNumDataRatesSupported
///    28 dwMaxIFSD          32 dwSynchProtocols       36 dwMechanical     40 dwFeatures
///    44 dwMaxCCIDMessageLength 48 bClassGetResponse  49 bClassEnvelope   50 wLcdLayout
///    52 bPINSupport        53 bMaxCCIDBusySlots
///
/// Clocks are in kHz, data rates in bps; wLcdLayout is lines (high byte) × characters (low byte).
public struct CCIDClassDescriptor: Hashable, Sendable {
    /// bLength.
    public static let count = 0x36
    /// bDescriptorType of the CCID class descriptor.
    public static let descriptorType: UInt8 = 0x21

    public var bcdCCID: UInt16
    public var bMaxSlotIndex: UInt8
    public var bVoltageSupport: CCIDVoltageSupport
    public var dwProtocols: CCIDProtocols
    public var dwDefaultClock: UInt32
    public var dwMaximumClock: UInt32
    public var bNumClockSupported: UInt8
    public var dwDataRate: UInt32
    public var dwMaxDataRate: UInt32
    public var bNumDataRatesSupported: UInt8
    public var dwMaxIFSD: UInt32
    public var dwSynchProtocols: UInt32
    public var dwMechanical: CCIDMechanical
    public var dwFeatures: CCIDFeatures
    public var dwMaxCCIDMessageLength: UInt32
    public var bClassGetResponse: UInt8
    public var bClassEnvelope: UInt8
    public var wLcdLayout: UInt16
    public var bPINSupport: CCIDPINSupport
    public var bMaxCCIDBusySlots: UInt8

    public init(bcdCCID: UInt16 = 0x0110, bMaxSlotIndex: UInt8 = 0, bVoltageSupport: CCIDVoltageSupport,
                dwProtocols: CCIDProtocols, dwDefaultClock: UInt32, dwMaximumClock: UInt32,
                bNumClockSupported: UInt8 = 0, dwDataRate: UInt32, dwMaxDataRate: UInt32,
                bNumDataRatesSupported: UInt8 = 0, dwMaxIFSD: UInt32, dwSynchProtocols: UInt32 = 0,
                dwMechanical: CCIDMechanical = [], dwFeatures: CCIDFeatures, dwMaxCCIDMessageLength: UInt32,
                bClassGetResponse: UInt8 = 0xFF, bClassEnvelope: UInt8 = 0xFF, wLcdLayout: UInt16 = 0,
                bPINSupport: CCIDPINSupport = [], bMaxCCIDBusySlots: UInt8 = 1) {
        self.bcdCCID = bcdCCID
        self.bMaxSlotIndex = bMaxSlotIndex
        self.bVoltageSupport = bVoltageSupport
        self.dwProtocols = dwProtocols
        self.dwDefaultClock = dwDefaultClock
        self.dwMaximumClock = dwMaximumClock
        self.bNumClockSupported = bNumClockSupported
        self.dwDataRate = dwDataRate
        self.dwMaxDataRate = dwMaxDataRate
        self.bNumDataRatesSupported = bNumDataRatesSupported
        self.dwMaxIFSD = dwMaxIFSD
        self.dwSynchProtocols = dwSynchProtocols
        self.dwMechanical = dwMechanical
        self.dwFeatures = dwFeatures
        self.dwMaxCCIDMessageLength = dwMaxCCIDMessageLength
        self.bClassGetResponse = bClassGetResponse
        self.bClassEnvelope = bClassEnvelope
        self.wLcdLayout = wLcdLayout
        self.bPINSupport = bPINSupport
        self.bMaxCCIDBusySlots = bMaxCCIDBusySlots
    }

    /// Parses exactly 54 bytes.
    /// - Throws: `invalidDescriptor` for another size (offset = the size), a bLength other
    ///   than 0x36 (offset 0) or a bDescriptorType other than 0x21 (offset 1).
    public init(parsing bytes: some Collection<UInt8>) throws(CCIDError) {
        let b = Array(bytes)
        guard b.count == CCIDClassDescriptor.count else { throw .invalidDescriptor(count: b.count, offset: b.count) }
        guard b[0] == UInt8(CCIDClassDescriptor.count) else { throw .invalidDescriptor(count: b.count, offset: 0) }
        guard b[1] == CCIDClassDescriptor.descriptorType else { throw .invalidDescriptor(count: b.count, offset: 1) }
        var r = ByteReader(b, at: 2)
        do throws(ByteReadError) {
            self.init(bcdCCID: try r.readLE16(), bMaxSlotIndex: try r.readByte(),
                      bVoltageSupport: CCIDVoltageSupport(rawValue: try r.readByte()),
                      dwProtocols: CCIDProtocols(rawValue: try r.readLE32()),
                      dwDefaultClock: try r.readLE32(), dwMaximumClock: try r.readLE32(),
                      bNumClockSupported: try r.readByte(), dwDataRate: try r.readLE32(), dwMaxDataRate: try r.readLE32(),
                      bNumDataRatesSupported: try r.readByte(), dwMaxIFSD: try r.readLE32(),
                      dwSynchProtocols: try r.readLE32(), dwMechanical: CCIDMechanical(rawValue: try r.readLE32()),
                      dwFeatures: CCIDFeatures(rawValue: try r.readLE32()),
                      dwMaxCCIDMessageLength: try r.readLE32(), bClassGetResponse: try r.readByte(),
                      bClassEnvelope: try r.readByte(), wLcdLayout: try r.readLE16(),
                      bPINSupport: CCIDPINSupport(rawValue: try r.readByte()), bMaxCCIDBusySlots: try r.readByte())
        } catch {
            throw .invalidDescriptor(count: b.count, offset: error.needed - 1)
        }
    }

    /// The encoded descriptor.
    public var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(CCIDClassDescriptor.count), CCIDClassDescriptor.descriptorType]
        out.reserveCapacity(CCIDClassDescriptor.count)
        out.appendLE16(bcdCCID)
        out += [bMaxSlotIndex, bVoltageSupport.rawValue]
        out.appendLE32(dwProtocols.rawValue)
        out.appendLE32(dwDefaultClock)
        out.appendLE32(dwMaximumClock)
        out.append(bNumClockSupported)
        out.appendLE32(dwDataRate)
        out.appendLE32(dwMaxDataRate)
        out.append(bNumDataRatesSupported)
        out.appendLE32(dwMaxIFSD)
        out.appendLE32(dwSynchProtocols)
        out.appendLE32(dwMechanical.rawValue)
        out.appendLE32(dwFeatures.rawValue)
        out.appendLE32(dwMaxCCIDMessageLength)
        out += [bClassGetResponse, bClassEnvelope]
        out.appendLE16(wLcdLayout)
        out += [bPINSupport.rawValue, bMaxCCIDBusySlots]
        return out
    }

    /// LCD lines (high byte of wLcdLayout), 0 without a display.
    public var lcdLines: Int { Int(wLcdLayout >> 8) }
    /// LCD characters per line (low byte of wLcdLayout).
    public var lcdCharactersPerLine: Int { Int(wLcdLayout & 0xFF) }
}
