import CIFDHandler

/// What IFDHGetCapabilities answers (pcsc-lite ifdhandler.h, reader.h SCARD_ATTR_*):
/// the bytes of each tag, or `unknownTag`. Numbers are little-endian DWORDs (4 bytes) or
/// single bytes, as pcscd and libccid read them; strings are not NUL-terminated except the
/// vendor name.
package enum ReaderAttributes {
    package static let driverVersion: UInt32 = 0x0001_0000

    package static func value(_ reader: Reader, tag: UInt) throws(DriverError) -> [UInt8] {
        let device = reader.device
        switch tag {
        case UInt(TAG_IFD_ATR), attribute(SCARD_CLASS_ICC_STATE, 0x0303):       // SCARD_ATTR_ATR_STRING
            return reader.currentATR
        case UInt(TAG_IFD_SIMULTANEOUS_ACCESS):
            return [UInt8(ReaderRegistry.maxReaders)]
        case UInt(TAG_IFD_THREAD_SAFE):
            return [1]
        case UInt(TAG_IFD_SLOTS_NUMBER):
            // Only slot 0 is driven: pcscd would give slots 1… readers of their own that the
            // driver cannot tell apart (README "Readers and exchange levels").
            return [1]
        case UInt(TAG_IFD_SLOT_THREAD_SAFE):
            return [0]
        case UInt(TAG_IFD_POLLING_THREAD_KILLABLE):
            return [0]
        case attribute(SCARD_CLASS_VENDOR_INFO, 0x0100):                        // SCARD_ATTR_VENDOR_NAME
            guard let name = device.manufacturer else { throw .unknownTag(tag) }
            return Array(name.utf8) + [0]
        case attribute(SCARD_CLASS_VENDOR_INFO, 0x0102):                        // SCARD_ATTR_VENDOR_IFD_VERSION
            return le32(UInt32(device.deviceDescriptor.bcdDevice) << 16)
        case attribute(SCARD_CLASS_VENDOR_INFO, 0x0103):                        // SCARD_ATTR_VENDOR_IFD_SERIAL_NO
            guard let serial = device.serialNumber else { throw .unknownTag(tag) }
            return Array(serial.utf8)
        case attribute(SCARD_CLASS_VENDOR_DEFINED, 0xA007):                     // SCARD_ATTR_MAXINPUT
            return le32(UInt32(reader.host.maxMessageLength - 10))
        case attribute(SCARD_CLASS_COMMUNICATIONS, 0x0110):                     // SCARD_ATTR_CHANNEL_ID
            return le32(reader.channelID)
        case attribute(SCARD_CLASS_ICC_STATE, 0x0300):                          // SCARD_ATTR_ICC_PRESENCE
            // 0 absent, 2 present (PC/SC part 3: "present and swallowed" for a fixed chip).
            return [reader.cachedICCStatus == .absent ? 0 : 2]
        case attribute(SCARD_CLASS_ICC_STATE, 0x0301):                          // SCARD_ATTR_ICC_INTERFACE_STATUS
            return [reader.currentATR.isEmpty ? 0 : 1]
        default:
            throw .unknownTag(tag)
        }
    }

    /// SCARD_ATTR_VALUE(class, tag).
    static func attribute(_ attributeClass: Int32, _ tag: UInt) -> UInt { UInt(attributeClass) << 16 | tag }
}
