import BankingApplet
import CardOS
import CCID
import ISO7816
import USBIP

/// The token as a USB device: what its microcontroller answers on each endpoint.
///
/// One CCID interface (class 0x0B) with one slot:
/// - endpoint 0: standard requests (USB 2.0 ch. 9) and the CCID class requests ABORT,
///   GET_CLOCK_FREQUENCIES, GET_DATA_RATES;
/// - ``bulkOutEndpoint`` 0x01: PC_to_RDR messages; ``bulkInEndpoint`` 0x82: RDR_to_PC replies;
/// - ``interruptEndpoint`` 0x83: RDR_to_PC_NotifySlotChange on insertion and removal.
///
/// Nothing blocks: the host side (USB/IP server, a test) feeds transfers in, takes replies out
/// when there are some, and calls ``tick()`` so time extensions and timeouts happen. While the
/// card waits for the holder, a time-extension reply (bStatus 0x80) goes out every
/// ``timeExtensionInterval`` milliseconds.
///
/// Not thread-safe: the host serialises calls per device.
public final class TokenDevice<P: Platform> {
    public static var bulkOutEndpoint: UInt8 { 0x01 }
    public static var bulkInEndpoint: UInt8 { 0x82 }
    public static var interruptEndpoint: UInt8 { 0x83 }
    public static var vendorID: UInt16 { 0x1209 }
    public static var productID: UInt16 { 0x0001 }
    public static var timeExtensionInterval: UInt64 { 500 }

    public let firmware: TokenFirmware<P>
    public let exchange: ExchangeLevel

    /// - Parameters:
    ///   - firmware: the card behind the slot.
    ///   - serial: the token serial (8 bytes; the USB serial string is its hex).
    ///   - exchange: APDU level (extended APDUs in XfrBlock) or TPDU level (T=1 blocks).
    public init(firmware: TokenFirmware<P>, serial: [UInt8], exchange: ExchangeLevel = .extendedAPDU) {
        self.firmware = firmware
        self.exchange = exchange
        _ = serial
    }

    // MARK: USB

    /// A control transfer on endpoint 0: `data` is the OUT data stage (empty for IN requests).
    public func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult {
        .stall
    }

    /// A bulk OUT transfer on 0x01 (one PC_to_RDR message, or a part of one).
    public func bulkOut(_ bytes: [UInt8]) {}

    /// Takes up to `maxLength` bytes of the next RDR_to_PC reply for a bulk IN transfer on 0x82;
    /// `nil` while there is none (the IN transfer stays pending).
    public func takeBulkIn(maxLength: Int) -> [UInt8]? { nil }

    /// Takes the next interrupt IN message for 0x83; `nil` while there is none.
    public func takeInterrupt(maxLength: Int) -> [UInt8]? { nil }

    /// Lets time pass (the platform's clock): time extensions, the holder's timeout.
    public func tick() {}

    /// When ``tick()`` has something to do next (platform clock milliseconds), if ever.
    public var nextDeadline: UInt64? { nil }

    // MARK: The physical token

    /// The card goes into the slot (NotifySlotChange: present, changed).
    public func insertCard() {}

    /// The card leaves the slot: a command in progress fails with ICC absent.
    public func removeCard() {}

    /// A button on the token.
    public func press(_ button: Button) {}

    public var isCardPresent: Bool { true }

    /// Whether a command is in progress (the card waits for the holder).
    public var isBusy: Bool { false }

    /// The device's descriptors, for OP_REP_DEVLIST / OP_REP_IMPORT.
    public var deviceDescriptor: [UInt8] { [] }
    public var configurationDescriptor: [UInt8] { [] }
}

/// How the host exchanges data with the card (CCID dwFeatures).
public enum ExchangeLevel: Sendable, Equatable {
    /// Short and extended APDUs in XfrBlock (dwFeatures 0x00040000).
    case extendedAPDU
    /// T=1 blocks in XfrBlock (dwFeatures 0x00010000); the device runs T=1 itself.
    case tpdu
}

/// The answer to a control transfer.
public enum ControlResult: Sendable, Equatable {
    /// IN data stage (already cut to wLength).
    case data([UInt8])
    /// Status stage only (OUT requests, or IN requests with nothing to say).
    case ok
    /// The request is not supported: the endpoint stalls (-EPIPE in USB/IP).
    case stall
}
