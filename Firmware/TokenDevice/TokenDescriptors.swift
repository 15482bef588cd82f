import CCID
import ISO7816
import USB

/// The token's USB descriptors (USB 2.0 §9.6) and the CCID class descriptor inside its
/// configuration (CCID rev 1.1 §5.1).
///
///     device         12 01 0200 00 00 00 40 1209 0001 0100 01 02 03 01
///     configuration  09 02 005D 01 01 00 80 32        (bus powered, 100 mA)
///       interface    09 04 00 00 03 0B 00 00 00       (CCID, 3 endpoints)
///       CCID class   36 21 0110 …                     (54 bytes, ``classDescriptor``)
///       endpoint     07 05 01 02 0040 00              bulk OUT
///       endpoint     07 05 82 02 0040 00              bulk IN
///       endpoint     07 05 83 03 0008 10              interrupt IN, every 16 frames
///
/// Strings: 0 the LANGID list (0409, English US), 1 "UKey", 2 "UKey Banking Token", 3 the
/// token serial as 16 upper-case hex digits; all UTF-16LE.
public struct TokenDescriptors: Hashable, Sendable {
    /// idVendor 1209 and idProduct 0001: the pid.codes test VID:PID.
    public static let idVendor: UInt16 = 0x1209
    public static let idProduct: UInt16 = 0x0001
    /// Endpoint addresses: bulk OUT 0x01 (PC_to_RDR), bulk IN 0x82 (RDR_to_PC), interrupt IN 0x83.
    public static let bulkOutEndpoint: UInt8 = 0x01
    public static let bulkInEndpoint: UInt8 = 0x82
    public static let interruptEndpoint: UInt8 = 0x83
    /// bcdUSB 2.00.
    public static let bcdUSB: UInt16 = 0x0200
    /// bcdDevice 1.00, the firmware release.
    public static let bcdDevice: UInt16 = 0x0100
    /// bDeviceClass 0: the class is given per interface.
    public static let bDeviceClass: UInt8 = 0x00
    public static let bDeviceSubClass: UInt8 = 0x00
    public static let bDeviceProtocol: UInt8 = 0x00
    /// bMaxPacketSize0: 64 bytes on endpoint 0.
    public static let bMaxPacketSize0: UInt8 = 64
    /// bConfigurationValue of the one configuration.
    public static let bConfigurationValue: UInt8 = 1
    public static let bNumConfigurations: UInt8 = 1
    public static let bNumInterfaces: UInt8 = 1
    /// bInterfaceClass 0x0B, Smart Card (CCID rev 1.1 §4.3); subclass and protocol 0.
    public static let bInterfaceClass: UInt8 = 0x0B
    public static let bInterfaceSubClass: UInt8 = 0x00
    public static let bInterfaceProtocol: UInt8 = 0x00
    /// wMaxPacketSize of the bulk endpoints (full speed).
    public static let bulkMaxPacketSize: UInt16 = 64
    /// wMaxPacketSize of the interrupt endpoint: a NotifySlotChange for one slot is 2 bytes.
    public static let interruptMaxPacketSize: UInt16 = 8
    /// bInterval of the interrupt endpoint, in frames (ms at full speed).
    public static let interruptInterval: UInt8 = 16
    /// LANGID 0x0409, English (United States), the only language of the strings.
    public static let languageID: UInt16 = 0x0409

    /// The default and only ICC clock, kHz (dwDefaultClock, dwMaximumClock, GET_CLOCK_FREQUENCIES).
    public static let clockFrequency: UInt32 = 4000
    /// The default data rate, bps: 4 MHz / 372 (dwDataRate, GET_DATA_RATES).
    public static let dataRate: UInt32 = 10752
    /// The fastest data rate, bps: 4 MHz × 32 / 372 (Di 32).
    public static let maxDataRate: UInt32 = 344_086
    /// dwMaxCCIDMessageLength: 10-byte header + 8214 bytes of abData. That covers the largest
    /// command the applets accept — 8192 bytes of data (``CardOS/maxChainedData``) in one
    /// extended APDU (4 header + 3 Lc + 3 Le bytes) — so the host never needs wLevelParameter
    /// chaining; a T=1 block (at most 258 bytes) fits as well.
    public static let maxCCIDMessageLength: UInt32 = 0x2020
    /// wLcdLayout: 4 lines × 16 characters, the token's screen.
    public static let wLcdLayout: UInt16 = 0x0410

    public let manufacturer = "UKey"
    public let product = "UKey Banking Token"
    /// The iSerialNumber string: the 8-byte token serial as 16 upper-case hex digits.
    public let serialNumber: String
    public let exchange: ExchangeLevel

    public init(serial: [UInt8], exchange: ExchangeLevel) {
        serialNumber = serial.hexString
        self.exchange = exchange
    }

    /// The device descriptor (USB 2.0 Table 9-8).
    public var device: USBDeviceDescriptor {
        USBDeviceDescriptor(bcdUSB: TokenDescriptors.bcdUSB, bDeviceClass: TokenDescriptors.bDeviceClass,
                            bDeviceSubClass: TokenDescriptors.bDeviceSubClass,
                            bDeviceProtocol: TokenDescriptors.bDeviceProtocol,
                            bMaxPacketSize0: TokenDescriptors.bMaxPacketSize0, idVendor: TokenDescriptors.idVendor,
                            idProduct: TokenDescriptors.idProduct, bcdDevice: TokenDescriptors.bcdDevice,
                            iManufacturer: 1, iProduct: 2, iSerialNumber: 3,
                            bNumConfigurations: TokenDescriptors.bNumConfigurations)
    }

    /// The 18-byte device descriptor, as GET_DESCRIPTOR(DEVICE) answers it.
    public var deviceDescriptor: [UInt8] { device.bytes }

    /// The CCID class descriptor: bPINSupport 03 (the keypad: PIN verification and
    /// modification with PC_to_RDR_Secure); dwFeatures 0x000400FE (extended APDU level), 0x000100FE
    /// (TPDU level, T=1) or 0x0001003E (TPDU level, T=0 only, no 0x40 and 0x80), each with automatic parameter configuration, activation, voltage, clock,
    /// baud rate, parameter negotiation and PPS.
    public var classDescriptor: CCIDClassDescriptor {
        let automatic: CCIDFeatures = [.automaticParameterConfiguration, .automaticActivation, .automaticVoltage,
                                       .automaticClock, .automaticBaud, .automaticParameterNegotiation,
                                       .automaticPPS]
        let level: CCIDFeatures = exchange == .extendedAPDU ? .extendedAPDULevel : .tpduLevel
        // The T=0 reader leaves parameter negotiation (0x40) and PPS (0x80) to the host, and
        // offers T=0 only, as QEMU's usb-ccid and many desk readers: dwFeatures 0x0001003E.
        let negotiated: CCIDFeatures = [.automaticParameterNegotiation, .automaticPPS]
        return CCIDClassDescriptor(
            bcdCCID: 0x0110, bMaxSlotIndex: 0, bVoltageSupport: [.volts5_0, .volts3_0, .volts1_8],
            dwProtocols: exchange == .tpduT0 ? [.t0] : [.t0, .t1], dwDefaultClock: TokenDescriptors.clockFrequency,
            dwMaximumClock: TokenDescriptors.clockFrequency, dwDataRate: TokenDescriptors.dataRate,
            dwMaxDataRate: TokenDescriptors.maxDataRate, dwMaxIFSD: UInt32(T1Block.maxInformationFieldSize),
            dwFeatures: exchange == .tpduT0 ? automatic.subtracting(negotiated).union(level) : automatic.union(level), dwMaxCCIDMessageLength: TokenDescriptors.maxCCIDMessageLength,
            bClassGetResponse: 0xFF, bClassEnvelope: 0xFF, wLcdLayout: TokenDescriptors.wLcdLayout,
            bPINSupport: [.verification, .modification], bMaxCCIDBusySlots: 1)
    }

    /// The configuration with everything under it, in the order a host reads them:
    /// configuration, interface, CCID class descriptor, endpoints (CCID rev 1.1 §5.1). Bus
    /// powered, bMaxPower 50 (2 mA units: 100 mA).
    public var configuration: USBConfigurationDescriptor {
        let interface = USBInterfaceDescriptor(bInterfaceNumber: 0, bAlternateSetting: 0, bNumEndpoints: 3,
                                               bInterfaceClass: TokenDescriptors.bInterfaceClass,
                                               bInterfaceSubClass: TokenDescriptors.bInterfaceSubClass,
                                               bInterfaceProtocol: TokenDescriptors.bInterfaceProtocol)
        let bulkOut = USBEndpointDescriptor(bEndpointAddress: TokenDescriptors.bulkOutEndpoint,
                                            bmAttributes: USBEndpointDescriptor.bulk,
                                            wMaxPacketSize: TokenDescriptors.bulkMaxPacketSize)
        let bulkIn = USBEndpointDescriptor(bEndpointAddress: TokenDescriptors.bulkInEndpoint,
                                           bmAttributes: USBEndpointDescriptor.bulk,
                                           wMaxPacketSize: TokenDescriptors.bulkMaxPacketSize)
        let interrupt = USBEndpointDescriptor(bEndpointAddress: TokenDescriptors.interruptEndpoint,
                                              bmAttributes: USBEndpointDescriptor.interrupt,
                                              wMaxPacketSize: TokenDescriptors.interruptMaxPacketSize,
                                              bInterval: TokenDescriptors.interruptInterval)
        return USBConfigurationDescriptor(
            bNumInterfaces: TokenDescriptors.bNumInterfaces, bConfigurationValue: TokenDescriptors.bConfigurationValue,
            iConfiguration: 0, bmAttributes: 0x80, bMaxPower: 50,
            descriptors: [.interface(interface), .other(classDescriptor.bytes), .endpoint(bulkOut), .endpoint(bulkIn),
                          .endpoint(interrupt)])
    }

    /// The configuration descriptor as GET_DESCRIPTOR(CONFIGURATION) answers it.
    public var configurationDescriptor: [UInt8] { configuration.bytes }

    /// String descriptor `index` (USB 2.0 §9.6.7): 0 is the LANGID list; `nil` for an index
    /// the device does not have.
    public func stringDescriptor(index: UInt8) -> [UInt8]? {
        switch index {
        case 0: return USBStringDescriptor(languageIDs: [TokenDescriptors.languageID]).bytes
        case 1: return USBStringDescriptor(manufacturer).bytes
        case 2: return USBStringDescriptor(product).bytes
        case 3: return USBStringDescriptor(serialNumber).bytes
        default: return nil
        }
    }
}

/// How the host exchanges data with the card (CCID dwFeatures).
public enum ExchangeLevel: Sendable, Equatable {
    /// Short and extended APDUs in XfrBlock (dwFeatures 0x00040000).
    case extendedAPDU
    /// T=1 blocks in XfrBlock (dwFeatures 0x00010000); the device runs T=1 itself.
    case tpdu
    /// T=0 TPDUs in XfrBlock (dwFeatures 0x00010000, dwProtocols T=0 only): the device is a
    /// T=0 card behind a TPDU-level reader (``T0CardProtocol``).
    case tpduT0
}
