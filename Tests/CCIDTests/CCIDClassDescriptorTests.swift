import Testing
@testable import CCID

/// The 54-byte class descriptor.
struct CCIDClassDescriptorTests {
    /// BIFIT USB-Token iBank2key (23A0:0001), a banking token, as libccid's readers/ list
    /// decodes it: bcdCCID 1.00, 5/3/1.8 V, T=1, 5 MHz, 13440…430107 bps, IFSD 254,
    /// dwFeatures 000205B8, dwMaxCCIDMessageLength 272.
    static let bifit = """
        36 21 0001 00 07 02000000 88130000 88130000 00 80340000 1B900600 00 FE000000 \
        00000000 00000000 B8050200 10010000 00 00 0000 00 01
        """

    @Test("a real token's descriptor decodes field by field")
    func bifitToken() throws {
        let d = try CCIDClassDescriptor(parsing: hex(Self.bifit))
        #expect(d.bcdCCID == 0x0100)
        #expect(d.bMaxSlotIndex == 0)
        #expect(d.bVoltageSupport == [.volts5_0, .volts3_0, .volts1_8])
        #expect(d.dwProtocols == .t1)
        #expect(d.dwDefaultClock == 5000)
        #expect(d.dwMaximumClock == 5000)
        #expect(d.bNumClockSupported == 0)
        #expect(d.dwDataRate == 13440)
        #expect(d.dwMaxDataRate == 430_107)
        #expect(d.dwMaxIFSD == 254)
        #expect(d.dwSynchProtocols == 0)
        #expect(d.dwMechanical == [])
        #expect(d.dwFeatures == [.automaticVoltage, .automaticClock, .automaticBaud, .automaticPPS,
                                 .clockStop, .automaticIFSD, .shortAPDULevel])
        #expect(d.dwFeatures.exchangeLevel == .shortAPDU)
        #expect(d.dwMaxCCIDMessageLength == 272)
        #expect(d.bClassGetResponse == 0 && d.bClassEnvelope == 0)
        #expect(d.wLcdLayout == 0)
        #expect(d.bPINSupport == [])
        #expect(d.bMaxCCIDBusySlots == 1)
        #expect(d.bytes == hex(Self.bifit))
    }

    /// UKey's own descriptor (ARCHITECTURE.md): extended APDU level, 4×16 screen.
    static let ukey = CCIDClassDescriptor(
        bVoltageSupport: [.volts5_0, .volts3_0, .volts1_8], dwProtocols: .t1,
        dwDefaultClock: 4000, dwMaximumClock: 4000, dwDataRate: 10752, dwMaxDataRate: 10752,
        dwMaxIFSD: 254,
        dwFeatures: [.automaticParameterConfiguration, .automaticActivation, .automaticVoltage, .automaticClock,
                     .automaticBaud, .extendedAPDULevel],
        dwMaxCCIDMessageLength: 65_554, wLcdLayout: 0x0410)

    @Test("round trip and the named dwFeatures bits")
    func ukeyDescriptor() throws {
        let bytes = Self.ukey.bytes
        #expect(bytes.count == 54)
        #expect(bytes.prefix(4) == [0x36, 0x21, 0x10, 0x01])
        #expect(bytes[40..<44] == [0x3E, 0x00, 0x04, 0x00])  // dwFeatures 0004003E
        #expect(try CCIDClassDescriptor(parsing: bytes) == Self.ukey)
        #expect(Self.ukey.lcdLines == 4 && Self.ukey.lcdCharactersPerLine == 16)
        #expect(Self.ukey.dwFeatures.exchangeLevel == .extendedAPDU)
    }

    @Test("dwFeatures bit values", arguments: [
        (CCIDFeatures.automaticParameterConfiguration, UInt32(0x02)), (.automaticActivation, 0x04),
        (.automaticVoltage, 0x08), (.automaticClock, 0x10), (.automaticBaud, 0x20),
        (.automaticParameterNegotiation, 0x40), (.automaticPPS, 0x80), (.clockStop, 0x100),
        (.nadOtherThanZero, 0x200), (.automaticIFSD, 0x400), (.tpduLevel, 0x0001_0000),
        (.shortAPDULevel, 0x0002_0000), (.extendedAPDULevel, 0x0004_0000), (.usbWakeUp, 0x0010_0000),
    ])
    func featureBits(_ feature: CCIDFeatures, _ raw: UInt32) {
        #expect(feature.rawValue == raw)
    }

    @Test("exchange level from the level bits", arguments: [
        (UInt32(0x0000_00B8), CCIDFeatures.ExchangeLevel?.some(.character)),
        (0x0001_0000, .tpdu), (0x0002_0000, .shortAPDU), (0x0004_0840, .extendedAPDU), (0x0003_0000, nil),
    ])
    func exchangeLevel(_ raw: UInt32, _ level: CCIDFeatures.ExchangeLevel?) {
        #expect(CCIDFeatures(rawValue: raw).exchangeLevel == level)
    }

    @Test("wrong sizes and header bytes are rejected")
    func bad() {
        let good = hex(Self.bifit)
        for length in 0..<54 {
            #expect(throws: CCIDError.invalidDescriptor(count: length, offset: length)) {
                try CCIDClassDescriptor(parsing: good.prefix(length))
            }
        }
        #expect(throws: CCIDError.invalidDescriptor(count: 55, offset: 55)) { try CCIDClassDescriptor(parsing: good + [0]) }
        var badLength = good; badLength[0] = 0x35
        #expect(throws: CCIDError.invalidDescriptor(count: 54, offset: 0)) { try CCIDClassDescriptor(parsing: badLength) }
        var badType = good; badType[1] = 0xFF
        #expect(throws: CCIDError.invalidDescriptor(count: 54, offset: 1)) { try CCIDClassDescriptor(parsing: badType) }
    }
}
