import CardOS
import CCID
import FuzzSupport
import HostPlatform
import TokenDevice
import USB
import USBIP
import PIVApplet

typealias FuzzTokenPlatform = HostPlatform<MemoryNVM, ManualClock>

/// A factory-fresh token's NVM records, made once; each input gets its own copy.
private let factoryRecords: [RecordID: [UInt8]] = {
    let memory = MemoryNVM()
    try! TokenFirmware<FuzzTokenPlatform>.manufacture(memory, serial: tokenSerial, pin: Array("123456".utf8),
                                                      puk: Array("12345678".utf8), piv: .wellKnownDefaults)
    return memory.committedRecords
}()
private let tokenSerial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
private let crypto = OpenSSLCryptoEngine()

/// The token's side of CCID: a configured `TokenDevice` in memory gets `chunks` as bulk OUT
/// transfers (after an optional control request), with half a second passing between them,
/// and the holder presses OK at the end. Whatever the host sent, everything the token puts on
/// bulk IN reassembles into RDR_to_PC messages that parse, and every interrupt message parses.
func fuzzTokenBulkOut(_ chunks: [ArraySlice<UInt8>], exchangeTPDU: Bool, setup: [UInt8]) {
    let clock = ManualClock()
    let platform = HostPlatform(memory: MemoryNVM(records: factoryRecords), crypto: crypto,
                                presence: HostPresence(), clock: clock)
    let device = TokenDevice(firmware: TokenFirmware(platform: platform), serial: tokenSerial,
                             exchange: exchangeTPDU ? .tpdu : .extendedAPDU)
    _ = device.control(USBSetupPacket(bmRequestType: 0x00, bRequest: USBSetupPacket.SET_CONFIGURATION, wValue: 1),
                       data: [])
    if let packet = try? USBSetupPacket(parsing: setup) { _ = device.control(packet, data: []) }

    var host = CCIDMessageReader()
    for chunk in chunks {
        device.bulkOut(Array(chunk))
        clock.advance(by: 600)
        device.tick()
        drain(device, into: &host)
    }
    device.press(.ok)
    drain(device, into: &host)
}

private func drain(_ device: TokenDevice<FuzzTokenPlatform>, into host: inout CCIDMessageReader) {
    while let transfer = device.takeBulkIn(maxLength: 64) {
        do {
            try host.append(transfer)
            while let reply = try host.nextReply() { checkRoundTrip(reply, reply.bytes) }
        } catch {
            fuzzRequire(false, "the token sent a malformed RDR_to_PC message: \(error)")
        }
    }
    while let interrupt = device.takeInterrupt(maxLength: 8) {
        fuzzRequire((try? CCIDInterruptMessage(parsing: interrupt)) != nil, "the token sent a malformed interrupt message")
    }
}
