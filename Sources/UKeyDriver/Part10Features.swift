import CIFDHandler

/// PC/SC part 10 (IFDs with secure PIN entry), what this reader offers through IFDHControl, as
/// libccid lists it: FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT when the class
/// descriptor's bPINSupport has them (the token's keypad, ``SecurePIN``),
/// FEATURE_IFD_PIN_PROPERTIES and FEATURE_GET_TLV_PROPERTIES (part 10 §2.6.14).
package enum Part10Features {
    /// CM_IOCTL_GET_FEATURE_REQUEST, SCARD_CTL_CODE(3400).
    package static let getFeatureRequest = UInt(0x4200_0000 + 3400)
    /// The ioctl of FEATURE_GET_TLV_PROPERTIES: SCARD_CTL_CODE(0x330000 + feature), as libccid.
    package static let getTLVProperties = ioctl(FEATURE_GET_TLV_PROPERTIES)
    package static let verifyPINDirect = ioctl(FEATURE_VERIFY_PIN_DIRECT)
    package static let modifyPINDirect = ioctl(FEATURE_MODIFY_PIN_DIRECT)
    package static let ifdPINProperties = ioctl(FEATURE_IFD_PIN_PROPERTIES)

    /// SCARD_CTL_CODE(0x330000 + feature), libccid's codes.
    static func ioctl(_ feature: Int32) -> UInt { UInt(0x4200_0000 + 0x33_0000 + UInt(feature)) }

    /// The feature list: one TLV per feature, the 4-byte ioctl code big-endian (part 10 §2.2), in
    /// libccid's order.
    package static func featureList(_ reader: Reader) -> [UInt8] {
        let support = reader.device.interface.classDescriptor.bPINSupport
        var features: [Int32] = []
        if support.contains(.verification) { features.append(FEATURE_VERIFY_PIN_DIRECT) }
        if support.contains(.modification) { features.append(FEATURE_MODIFY_PIN_DIRECT) }
        features += [FEATURE_IFD_PIN_PROPERTIES, FEATURE_GET_TLV_PROPERTIES]
        return features.flatMap { [UInt8($0), 4] + be32(UInt32(ioctl($0))) }
    }

    /// The TLV properties, values little-endian (part 10 §2.6.14).
    package static func tlvProperties(_ reader: Reader) -> [UInt8] {
        let device = reader.device
        let descriptor = device.interface.classDescriptor
        var out: [UInt8] = []
        func put(_ tag: Int32, _ value: [UInt8]) { out += [UInt8(tag), UInt8(value.count)] + value }
        if descriptor.wLcdLayout != 0 {
            put(PCSCv2_PART10_PROPERTY_wLcdLayout, le16(descriptor.wLcdLayout))
        }
        // libccid's: validation on the OK key, max size or time-out; one time-out.
        put(PCSCv2_PART10_PROPERTY_bEntryValidationCondition, [0x07])
        put(PCSCv2_PART10_PROPERTY_bTimeOut2, [0x00])
        if descriptor.wLcdLayout != 0 {
            put(PCSCv2_PART10_PROPERTY_wLcdMaxCharacters, le16(UInt16(descriptor.lcdCharactersPerLine)))
            put(PCSCv2_PART10_PROPERTY_wLcdMaxLines, le16(UInt16(descriptor.lcdLines)))
        }
        if !descriptor.bPINSupport.isEmpty {
            put(PCSCv2_PART10_PROPERTY_bMinPINSize, [6])
            put(PCSCv2_PART10_PROPERTY_bMaxPINSize, [16])
        }
        // No PPDU (PIN commands through SCardTransmit or the escape command), as libccid by default.
        put(PCSCv2_PART10_PROPERTY_bPPDUSupport, [0x00])
        let firmware = (device.product ?? "UKey") + " " + bcdText(device.deviceDescriptor.bcdDevice)
        put(PCSCv2_PART10_PROPERTY_sFirmwareID, Array(firmware.utf8.prefix(64)))
        put(PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, le32(maxAPDUDataSize(reader)))
        put(PCSCv2_PART10_PROPERTY_wIdVendor, le16(device.deviceDescriptor.idVendor))
        put(PCSCv2_PART10_PROPERTY_wIdProduct, le16(device.deviceDescriptor.idProduct))
        return out
    }

    /// dwMaxAPDUDataSize: 0 for short APDUs only; 65,536 when extended APDUs get through
    /// (extended APDU level with wLevelParameter chaining, or T=1 chaining at TPDU level).
    static func maxAPDUDataSize(_ reader: Reader) -> UInt32 {
        switch reader.exchangeLevel {
        case .extendedAPDU?, .tpdu?: return 65_536
        default: return 0
        }
    }

    /// IFDHControl: the response to `code` with `input`.
    package static func control(_ reader: Reader, code: UInt, input: [UInt8]) throws(DriverError) -> [UInt8] {
        let support = reader.device.interface.classDescriptor.bPINSupport
        switch code {
        case getFeatureRequest: return featureList(reader)
        case getTLVProperties: return tlvProperties(reader)
        case ifdPINProperties: return SecurePIN.pinProperties(wLcdLayout: reader.device.interface.classDescriptor.wLcdLayout)
        case verifyPINDirect where support.contains(.verification):
            return try reader.securePIN(try SecurePIN.verification(part10: input))
        case modifyPINDirect where support.contains(.modification):
            return try reader.securePIN(try SecurePIN.modification(part10: input))
        default: throw .notSupported("control code 0x" + String(code, radix: 16))
        }
    }

    static func bcdText(_ bcd: UInt16) -> String {
        String(bcd >> 8, radix: 16) + "." + String(bcd >> 4 & 0x0F, radix: 16) + String(bcd & 0x0F, radix: 16)
    }
}

func le16(_ value: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(truncatingIfNeeded: value)) + le16(UInt16(truncatingIfNeeded: value >> 16)) }
func be32(_ value: UInt32) -> [UInt8] { le32(value).reversed() }
