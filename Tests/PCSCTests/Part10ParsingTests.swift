import CPCSCLite
import PCSC
import Testing

/// PC/SC part 10 answers parsed from bytes: the feature list (§2.2) and the TLV properties
/// (§2.6.14). The vectors are what the UKey driver and libccid send.
@Suite struct Part10ParsingTests {
    /// FEATURE_GET_TLV_PROPERTIES at SCARD_CTL_CODE(0x330000 + 0x12), as the UKey driver (and
    /// libccid) send it; then FEATURE_VERIFY_PIN_DIRECT at SCARD_CTL_CODE(0x330000 + 6).
    static let featureBytes: [UInt8] = [0x12, 0x04, 0x42, 0x33, 0x00, 0x12, 0x06, 0x04, 0x42, 0x33, 0x00, 0x06]

    /// The UKey driver's properties: wLcdLayout 0x0410, wLcdMaxCharacters 16, wLcdMaxLines 4,
    /// sFirmwareID "UKey 1.00", dwMaxAPDUDataSize 65536, wIdVendor 0x1209, wIdProduct 0x0001.
    static let propertyBytes: [UInt8] = [0x01, 0x02, 0x10, 0x04, 0x04, 0x02, 0x10, 0x00, 0x05, 0x02, 0x04, 0x00]
        + [0x08, 0x09] + Array("UKey 1.00".utf8)
        + [0x0A, 0x04, 0x00, 0x00, 0x01, 0x00, 0x0B, 0x02, 0x09, 0x12, 0x0C, 0x02, 0x01, 0x00]

    @Test("constants: SCARD_CTL_CODE is 0x42000000 + n; the feature tags are reader.h's")
    func constants() {
        #expect(PCSCCard.controlCode(1) == 0x4200_0001)
        #expect(PCSCCard.getFeatureRequest == 0x4200_0000 + 3400)
        #expect(PCSCFeature.getTLVProperties.rawValue == UInt8(FEATURE_GET_TLV_PROPERTIES))
        #expect(PCSCFeature.verifyPINDirect.rawValue == UInt8(FEATURE_VERIFY_PIN_DIRECT))
        #expect(PCSCFeature.ccidEscCommand.rawValue == UInt8(FEATURE_CCID_ESC_COMMAND))
        #expect(PCSCFeature.executePACE.rawValue == UInt8(FEATURE_EXECUTE_PACE))
        #expect(PCSCFeature.getTLVProperties.name == "FEATURE_GET_TLV_PROPERTIES")
        #expect(PCSCFeature.executePACE.name == "FEATURE_EXECUTE_PACE")
        #expect(PCSCFeature(rawValue: 0x7F).name == "FEATURE_0x7F")
        #expect(PCSCTLVProperties.Tag.wIdVendor.rawValue == UInt8(PCSCv2_PART10_PROPERTY_wIdVendor))
        #expect(PCSCTLVProperties.Tag.dwMaxAPDUDataSize.rawValue == UInt8(PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize))
    }

    @Test("the feature list: tag, length 4, control code big-endian; serializes back")
    func featureList() throws {
        let list = try PCSCFeatureList(parsing: Self.featureBytes)
        #expect(list.entries == [.init(feature: .getTLVProperties, controlCode: 0x4233_0012),
                                 .init(feature: .verifyPINDirect, controlCode: 0x4233_0006)])
        #expect(list.controlCodes[.getTLVProperties] == 0x4233_0012)
        #expect(list.bytes == Self.featureBytes)
        #expect(try PCSCFeatureList(parsing: []).entries.isEmpty, "a reader without features sends nothing")
    }

    @Test("every prefix of the feature list either parses to whole entries or is rejected")
    func featureListPrefixes() {
        for length in 0..<Self.featureBytes.count {
            let prefix = Array(Self.featureBytes.prefix(length))
            if length % 6 == 0 {
                #expect((try? PCSCFeatureList(parsing: prefix))?.entries.count == length / 6)
            } else {
                #expect(throws: Part10ParseError.self, "prefix of \(length) bytes") { try PCSCFeatureList(parsing: prefix) }
            }
        }
    }

    @Test("a feature whose length is not 4 is rejected at the length byte")
    func featureWrongLength() {
        #expect(throws: Part10ParseError("feature length 2, not 4", at: 7)) {
            try PCSCFeatureList(parsing: [0x12, 0x04, 0x42, 0x33, 0x00, 0x12, 0x06, 0x02, 0x00, 0x06])
        }
    }

    @Test("TLV properties: values little-endian, the firmware id as text; serializes back")
    func properties() throws {
        let properties = try PCSCTLVProperties(parsing: Self.propertyBytes)
        #expect(properties.wLcdLayout == 0x0410)
        #expect(properties.wLcdMaxCharacters == 16)
        #expect(properties.wLcdMaxLines == 4)
        #expect(properties.sFirmwareID == "UKey 1.00")
        #expect(properties.dwMaxAPDUDataSize == 65_536)
        #expect(properties.wIdVendor == 0x1209)
        #expect(properties.wIdProduct == 0x0001)
        #expect(properties.bMinPINSize == nil && properties.bPPDUSupport == nil, "absent properties stay nil")
        #expect(properties.bytes == Self.propertyBytes)
        #expect(try PCSCTLVProperties(parsing: properties.bytes) == properties)
    }

    @Test("TLV properties: single-byte properties and unknown tags round-trip")
    func propertiesBytesAndUnknownTags() throws {
        var properties = PCSCTLVProperties()
        properties.bEntryValidationCondition = 0x02
        properties.bTimeOut2 = 0x00
        properties.bMinPINSize = 6
        properties.bMaxPINSize = 16
        properties.bPPDUSupport = 0x01
        properties.other[0x40] = [0xAA, 0xBB, 0xCC]
        let bytes = properties.bytes
        #expect(bytes == [0x02, 0x01, 0x02, 0x03, 0x01, 0x00, 0x06, 0x01, 0x06, 0x07, 0x01, 0x10, 0x09, 0x01, 0x01,
                          0x40, 0x03, 0xAA, 0xBB, 0xCC])
        #expect(try PCSCTLVProperties(parsing: bytes) == properties)
    }

    @Test("every prefix of the properties that cuts a TLV is rejected")
    func propertyPrefixes() {
        var boundaries: Set<Int> = [0]
        var offset = 0
        while offset < Self.propertyBytes.count {
            offset += 2 + Int(Self.propertyBytes[offset + 1])
            boundaries.insert(offset)
        }
        for length in 0..<Self.propertyBytes.count {
            let prefix = Array(Self.propertyBytes.prefix(length))
            if boundaries.contains(length) {
                #expect((try? PCSCTLVProperties(parsing: prefix)) != nil, "whole TLVs up to \(length)")
            } else {
                #expect(throws: Part10ParseError.self, "prefix of \(length) bytes") { try PCSCTLVProperties(parsing: prefix) }
            }
        }
    }

    @Test("a number of the wrong width and a property given twice are rejected", arguments: [
        ([0x01, 0x01, 0x10], Part10ParseError("property wLcdLayout has 1 bytes, not 2", at: 1)),
        ([0x0A, 0x02, 0x00, 0x01], Part10ParseError("property dwMaxAPDUDataSize has 2 bytes, not 4", at: 1)),
        ([0x06, 0x02, 0x06, 0x00], Part10ParseError("property bMinPINSize has 2 bytes, not 1", at: 1)),
        ([0x0B, 0x02, 0x09, 0x12, 0x0B, 0x02, 0x09, 0x12], Part10ParseError("property 11 given twice", at: 4)),
        ([0x08, 0x05, 0x55], Part10ParseError("property 8 needs 5 bytes", at: 2)),
    ] as [([UInt8], Part10ParseError)])
    func badProperties(bytes: [UInt8], error: Part10ParseError) {
        #expect(throws: error) { try PCSCTLVProperties(parsing: bytes) }
    }
}
