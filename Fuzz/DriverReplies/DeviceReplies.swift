import CCID
import UKeyDriver
import USB
import USBIP

/// The libFuzzer entry for everything the driver parses from a device: `bytes` are fed, whole
/// and in chunks, to the CCID reply and interrupt parsers, the CCID host layer (as the reply
/// to a command), the USB/IP client decoder (as a server's answers after import) and the USB
/// descriptor parsers. It must never crash, hang or allocate without bound.
func parseDeviceReply(_ bytes: [UInt8]) {
    _ = try? CCIDReply(parsing: bytes)
    _ = try? CCIDInterruptMessage(parsing: bytes)
    _ = try? CCIDInterfaceDescriptor(configuration: bytes)
    _ = try? USBDeviceDescriptor(parsing: bytes)
    _ = try? USBConfigurationDescriptor(parsing: bytes)
    _ = try? USBStringDescriptor(parsing: bytes).string

    var reader = CCIDMessageReader(maxMessageLength: 271)
    for chunk in chunks(bytes) {
        guard (try? reader.append(chunk)) != nil else { break }
        while let reply = try? reader.nextReply() { _ = reply }
    }

    // The host layer: the bytes answer an XfrBlock, then one more bulk IN.
    let transport = ReplayTransport(replies: Array(chunks(bytes)))
    let host = CCIDHost(transport: transport, readTimeout: 0)
    _ = try? host.transmitAPDU([0x00, 0xA4, 0x04, 0x00])

    // USB/IP: the server's replies to one bulk IN CMD_SUBMIT (seqnum 1) and a control (2).
    var decoder = USBIPStreamDecoder(role: .client, limits: USBIPLimits(maxTransferBufferLength: 65_536,
                                                                       maxPendingSubmits: 8),
                                     phase: .urb)
    try? decoder.willSend(.USBIP_CMD_SUBMIT(.in(seqnum: 1, devid: 0x10002, ep: 2, length: 271)))
    try? decoder.willSend(.USBIP_CMD_SUBMIT(.in(seqnum: 2, devid: 0x10002, ep: 0, length: 255)))
    for chunk in chunks(bytes) {
        guard (try? decoder.append(chunk)) != nil else { break }
        while let message = try? decoder.next() { _ = message }
    }
    var handshake = USBIPStreamDecoder(role: .client)
    if (try? handshake.append(bytes)) != nil { _ = try? handshake.next() }

    replayDeviceSession(bytes)
}

/// A whole reader session against a device whose answers are `bytes` cut into segments (each
/// one length byte, then that many bytes; the first byte picks the exchange level): the
/// descriptors read over control transfers, then IccPowerOn (the ATR is parsed), SetParameters
/// and T=1 at TPDU level, APDUs (chained ones too), slot status and the interrupt pipe.
func replayDeviceSession(_ bytes: [UInt8]) {
    guard let mode = bytes.first else { return }
    var segments: [[UInt8]] = []
    var at = 1
    while at < bytes.count {
        let length = Int(bytes[at])
        let end = min(bytes.count, at + 1 + length)
        segments.append(Array(bytes[(at + 1)..<end]))
        at = end
    }
    // Descriptors (device, configuration head, configuration, languages, strings) take the
    // first segments: an empty one stops the reading; the rest answer the bulk IN transfers.
    var remaining = segments[...]
    _ = try? DescriptorReader.read { (_) throws(DriverError) -> [UInt8] in
        guard let reply = remaining.popFirst(), !reply.isEmpty else { throw .timeout }
        return reply
    }

    let level: CCIDFeatures = switch mode & 0x03 {
    case 0: .extendedAPDULevel
    case 1: .shortAPDULevel
    case 2: .tpduLevel
    default: []
    }
    let descriptor = CCIDClassDescriptor(
        bVoltageSupport: .volts5_0, dwProtocols: .t1, dwDefaultClock: 4000, dwMaximumClock: 4000,
        dwDataRate: 10752, dwMaxDataRate: 10752, dwMaxIFSD: 254, dwFeatures: level,
        dwMaxCCIDMessageLength: mode & 0x04 == 0 ? 271 : 65_554)
    let transport = ReplayTransport(replies: Array(remaining), classDescriptor: descriptor,
                                    interrupts: Array(segments.suffix(2)))
    let reader = Reader(transport: transport, readTimeout: 0)
    _ = try? reader.powerUp()
    _ = try? reader.setProtocol(1)
    _ = try? reader.transmit([0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00])
    if mode & 0x08 != 0 {
        _ = try? reader.transmit([0x00, 0xDA, 0x01, 0x00, 0x00, 0x01, 0x2C] + [UInt8](repeating: 0x55, count: 300))
    }
    _ = try? reader.isCardPresent()
    _ = try? reader.waitForSlotChange(timeout: 0)
    _ = try? reader.powerUp(reset: true)
    _ = try? reader.powerDown()
}

/// Splits `bytes` where a transport might: 64-byte USB packets.
private func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
    stride(from: 0, to: bytes.count, by: 64).map { Array(bytes[$0..<min(bytes.count, $0 + 64)]) }
}

/// A transport that answers bulk IN transfers from a list, then times out.
final class ReplayTransport: USBTransport, @unchecked Sendable {
    private var replies: [[UInt8]]
    private var interrupts: [[UInt8]]
    let device: USBDeviceInfo

    init(replies: [[UInt8]], classDescriptor: CCIDClassDescriptor? = nil, interrupts: [[UInt8]] = []) {
        self.replies = replies
        self.interrupts = interrupts
        let descriptor = classDescriptor ?? CCIDClassDescriptor(
            bVoltageSupport: .volts5_0, dwProtocols: .t1, dwDefaultClock: 4000, dwMaximumClock: 4000,
            dwDataRate: 10752, dwMaxDataRate: 10752, dwMaxIFSD: 254, dwFeatures: .extendedAPDULevel,
            dwMaxCCIDMessageLength: 271)
        device = USBDeviceInfo(deviceDescriptor: USBDeviceDescriptor(idVendor: 0x1209, idProduct: 0x0001),
                               interface: CCIDInterfaceDescriptor(bulkOut: 0x01, bulkIn: 0x82, interruptIn: 0x83,
                                                                  classDescriptor: descriptor))
    }

    func bulkOutIn(_ message: [UInt8], inLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        try bulkIn(maxLength: inLength, timeout: timeout)
    }

    func bulkIn(maxLength: Int, timeout: Int) throws(DriverError) -> [UInt8] {
        guard !replies.isEmpty else { throw .timeout }
        return Array(replies.removeFirst().prefix(maxLength))
    }

    func control(_ setup: USBSetupPacket, data: [UInt8], timeout: Int) throws(DriverError) -> [UInt8] {
        throw .notSupported("control")
    }

    func interruptIn(timeout: Int) throws(DriverError) -> [UInt8]? {
        interrupts.isEmpty ? nil : interrupts.removeFirst()
    }
    func wakeInterrupt() {}
    func close() {}
}
