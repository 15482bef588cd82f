import BankingApplet
import CardOS
import CCID
import HostPlatform
import ISO7816
import TokenDevice
import USB
import USBIP
import PIVApplet

typealias TestPlatform = HostPlatform<MemoryNVM, ManualClock>

/// A manufactured token in memory behind a ``TokenDevice``, driven transfer by transfer the
/// way a USB host would: control requests, bulk OUT messages, bulk IN and interrupt IN.
final class DeviceHarness {
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x12, 0xAB]
    static let factoryPIN = "123456"
    static let factoryPUK = "12345678"
    static let pin = "24681357"
    static let crypto = OpenSSLCryptoEngine()
    static let bankingAID: [UInt8] = [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]

    let memory = MemoryNVM()
    let clock = ManualClock()
    let presence = HostPresence()
    let platform: TestPlatform
    let device: TokenDevice<TestPlatform>
    private var nextSeq: UInt8 = 0

    init(exchange: ExchangeLevel = .extendedAPDU) {
        try! TokenFirmware<TestPlatform>.manufacture(memory, serial: DeviceHarness.serial,
                                                     pin: Array(DeviceHarness.factoryPIN.utf8),
                                                     puk: Array(DeviceHarness.factoryPUK.utf8),
                                                     piv: .wellKnownDefaults)
        platform = HostPlatform(memory: memory, crypto: DeviceHarness.crypto, presence: presence, clock: clock)
        device = TokenDevice(firmware: TokenFirmware(platform: platform), serial: DeviceHarness.serial,
                             exchange: exchange)
    }

    // MARK: Control pipe

    func control(_ bmRequestType: UInt8, _ bRequest: UInt8, wValue: UInt16 = 0, wIndex: UInt16 = 0,
                 wLength: UInt16 = 0) -> ControlResult {
        device.control(USBSetupPacket(bmRequestType: bmRequestType, bRequest: bRequest, wValue: wValue,
                                      wIndex: wIndex, wLength: wLength), data: [])
    }

    /// SET_CONFIGURATION 1, as the host does after enumeration.
    func configure() {
        precondition(control(0x00, USBSetupPacket.SET_CONFIGURATION, wValue: 1) == .ok)
    }

    // MARK: Bulk pipes

    /// The next bSeq, wrapping like a host's.
    func seq() -> UInt8 {
        defer { nextSeq &+= 1 }
        return nextSeq
    }

    /// Sends one PC_to_RDR message; returns its bSeq.
    @discardableResult
    func send(_ message: PCtoRDR, bSlot: UInt8 = 0) -> UInt8 {
        let bSeq = seq()
        device.bulkOut(CCIDCommand(bSlot: bSlot, bSeq: bSeq, message).bytes)
        return bSeq
    }

    /// Every reply queued on bulk IN, each taken whole.
    func replies() -> [CCIDReply] {
        var out: [CCIDReply] = []
        while let bytes = device.takeBulkIn(maxLength: 70_000) { out.append(try! CCIDReply(parsing: bytes)) }
        return out
    }

    /// Sends a message that must be answered at once by exactly one reply.
    func transact(_ message: PCtoRDR, bSlot: UInt8 = 0) -> CCIDReply {
        let bSeq = send(message, bSlot: bSlot)
        let all = replies()
        precondition(all.count == 1, "expected one reply, got \(all.count)")
        precondition(all[0].bSeq == bSeq, "reply bSeq \(all[0].bSeq) for command \(bSeq)")
        return all[0]
    }

    /// IccPowerOn; returns the ATR.
    @discardableResult
    func powerOn() -> [UInt8] {
        guard case .dataBlock(_, let atr) = transact(.iccPowerOn(bPowerSelect: .automatic)).message else {
            fatalError("IccPowerOn did not answer a DataBlock")
        }
        return atr
    }

    /// XfrBlock with an APDU that completes at once; the response APDU.
    func transmit(_ apdu: [UInt8]) -> ResponseAPDU {
        let reply = transact(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu))
        guard case .dataBlock(_, let data) = reply.message, reply.bStatus.bmCommandStatus == .processedWithoutError
        else { fatalError("XfrBlock failed: \(reply)") }
        return try! ResponseAPDU(parsing: data)
    }

    func transmit(_ hex: String) -> ResponseAPDU { transmit([UInt8](hex: hex)!) }

    /// An APDU with Lc computed, and Le 00 (or 0000) when `le`.
    static func apdu(_ header: String, _ data: [UInt8] = [], le: Bool = false) -> [UInt8] {
        let head = [UInt8](hex: header)!
        return try! CommandAPDU(cla: head[0], ins: head[1], p1: head[2], p2: head[3], data: data,
                                ne: le ? (data.count > 255 ? 65_536 : 256) : nil).bytes
    }

    static var select: [UInt8] { apdu("00A40400", bankingAID, le: true) }

    /// CHANGE PIN from the factory PIN to ``pin``.
    static var changePIN: [UInt8] {
        let old = Array(factoryPIN.utf8), new = Array(pin.utf8)
        return apdu("00240081", [UInt8(old.count)] + old + [UInt8(new.count)] + new)
    }

    /// GENERATE KEY of the authentication key (02): answers at once.
    static var generateAuthenticationKey: [UInt8] { apdu("00478002", [0x80, 0x01, 0x01], le: true) }
    /// GENERATE KEY of the transfer key (01): waits for the holder's OK, like CONFIRM TRANSFER.
    static var generateTransferKey: [UInt8] { apdu("00478001", [0x80, 0x01, 0x01], le: true) }

    /// A valid CONFIRM TRANSFER (tags 80–85).
    static var confirmTransfer: [UInt8] {
        let fields: [(UInt32, [UInt8])] = [
            (0x80, Array("DE89370400440532013000".utf8)), (0x81, Array("Zhang San".utf8)),
            (0x82, Array("1234.56".utf8)), (0x83, Array("CNY".utf8)), (0x84, Array("Invoice 42".utf8)),
            (0x85, [UInt8](repeating: 0xC5, count: 16)),
        ]
        let body = TLV(tag: 0x70, children: fields.map { TLV(tag: Tag($0.0), value: $0.1) }).bytes
        return apdu("80C00000", body, le: true)
    }

    /// Power on, select, change the PIN, generate the transfer key (OK pressed on the device):
    /// ready for CONFIRM TRANSFER.
    func personalize() {
        powerOn()
        precondition(transmit(DeviceHarness.select).statusWord == .success)
        precondition(transmit(DeviceHarness.changePIN).statusWord == .success)
        let bSeq = send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.generateTransferKey))
        precondition(replies().isEmpty, "GENERATE of the transfer key answered without the holder's OK")
        var final: [CCIDReply] = []
        for _ in 0..<20 where final.isEmpty {
            device.press(.ok)
            final = replies()
        }
        guard final.count == 1, final[0].bSeq == bSeq, case .dataBlock(_, let data) = final[0].message,
              (try? ResponseAPDU(parsing: data))?.statusWord == .success else {
            fatalError("GENERATE of the transfer key failed: \(final)")
        }
        presence.removeHistory()
    }

    /// Sends CONFIRM TRANSFER, which must wait for the holder (no reply yet); its bSeq.
    func startConfirmation() -> UInt8 {
        let bSeq = send(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: DeviceHarness.confirmTransfer))
        precondition(replies().isEmpty, "CONFIRM TRANSFER answered at once")
        precondition(device.isBusy)
        return bSeq
    }
}

extension CCIDReply {
    var abData: [UInt8] {
        if case .dataBlock(_, let data) = message { return data }
        return []
    }
}
