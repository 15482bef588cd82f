import CCID
import Foundation
import TokenDevice
import USB
import USBIP

/// A small, honest CCID device for transport tests that must not depend on the firmware:
/// real descriptors, IccPowerOn → a fixed ATR, GetSlotStatus, and XfrBlock → the command's
/// bytes reversed + 9000, after `timeExtensions` time-extension replies.
final class FakeCCIDDevice: EmulatedUSBDevice, @unchecked Sendable {
    static let atr: [UInt8] = [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]
    static let classDescriptor = CCIDClassDescriptor(
        bVoltageSupport: [.volts5_0, .volts3_0], dwProtocols: .t1, dwDefaultClock: 4000, dwMaximumClock: 4000,
        dwDataRate: 10752, dwMaxDataRate: 10752, dwMaxIFSD: 254,
        dwFeatures: [.extendedAPDULevel, .automaticActivation, .automaticVoltage, .automaticClock,
                     .automaticBaud, .automaticParameterConfiguration],
        dwMaxCCIDMessageLength: 65_554, wLcdLayout: 0x0410)

    private let lock = NSLock()
    private var replies: [[UInt8]] = []
    private var interrupts: [[UInt8]] = []
    private var present = true
    var timeExtensions = 0
    private(set) var receivedCommands: [CCIDCommand] = []

    static var deviceDescriptor: [UInt8] {
        [18, 0x01, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1]
    }

    static var configurationDescriptor: [UInt8] {
        let body = [9, 0x04, 0, 0, 3, 0x0B, 0, 0, 0] + classDescriptor.bytes
            + [7, 0x05, 0x01, 0x02, 64, 0, 0] + [7, 0x05, 0x82, 0x02, 64, 0, 0] + [7, 0x05, 0x83, 0x03, 8, 0, 16]
        let total = 9 + body.count
        return [9, 0x02, UInt8(total & 0xFF), UInt8(total >> 8), 1, 1, 0, 0x80, 50] + body
    }

    static func stringDescriptor(_ text: String) -> [UInt8] {
        let units = Array(text.utf16)
        return [UInt8(2 + 2 * units.count), 0x03] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult {
        guard setup.bRequest == USBSetupPacket.GET_DESCRIPTOR else { return .ok }
        let bytes: [UInt8]
        switch (setup.wValue >> 8, setup.wValue & 0xFF) {
        case (1, _): bytes = FakeCCIDDevice.deviceDescriptor
        case (2, _): bytes = FakeCCIDDevice.configurationDescriptor
        case (3, 0): bytes = [4, 0x03, 0x09, 0x04]
        case (3, 1): bytes = FakeCCIDDevice.stringDescriptor("UKey Test")
        case (3, 2): bytes = FakeCCIDDevice.stringDescriptor("Fake CCID")
        case (3, 3): bytes = FakeCCIDDevice.stringDescriptor("0123456789ABCDEF")
        default: return .stall
        }
        return .data(Array(bytes.prefix(Int(setup.wLength))))
    }

    func bulkOut(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard let command = try? CCIDCommand(parsing: bytes) else { return }
        receivedCommands.append(command)
        let header = command.header
        let icc: CCIDSlotStatus.ICCStatus = present ? .presentActive : .absent
        guard present || command.message == .getSlotStatus else {
            replies.append(CCIDReply.failure(answering: header, error: .ICC_MUTE, iccStatus: .absent).bytes)
            return
        }
        switch command.message {
        case .iccPowerOn:
            replies.append(CCIDReply(bSeq: command.bSeq, bStatus: .init(icc), .dataBlock(bChainParameter: .beginsAndEnds, abData: FakeCCIDDevice.atr)).bytes)
        case .xfrBlock(_, _, let data):
            for _ in 0..<timeExtensions { replies.append(CCIDReply.timeExtension(answering: header).bytes) }
            replies.append(CCIDReply(bSeq: command.bSeq, bStatus: .init(icc),
                                     .dataBlock(bChainParameter: .beginsAndEnds, abData: data.reversed() + [0x90, 0x00])).bytes)
        case .getSlotStatus, .iccPowerOff:
            replies.append(CCIDReply(bSeq: command.bSeq, bStatus: .init(icc), .slotStatus(bClockStatus: .running)).bytes)
        default:
            replies.append(CCIDReply.failure(answering: header, error: .commandNotSupported, iccStatus: icc).bytes)
        }
    }

    func takeBulkIn(maxLength: Int) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return replies.isEmpty ? nil : replies.removeFirst()
    }

    func takeInterrupt(maxLength: Int) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return interrupts.isEmpty ? nil : interrupts.removeFirst()
    }

    func tick() {}

    /// Takes the card out or puts it back: NotifySlotChange on the interrupt pipe.
    func setPresent(_ value: Bool) {
        lock.lock()
        defer { lock.unlock() }
        present = value
        var change = CCIDSlotChange(slotCount: 1)
        change.set(slot: 0, present: value, changed: true)
        interrupts.append(CCIDInterruptMessage.notifySlotChange(change).bytes)
    }
}
