import FuzzSupport
import ISO7816
import USB
import USBIP

/// The input is a mode byte, then bytes from a TCP connection. The mode picks how the bytes are
/// cut (``fuzzChunks``), the direction of the CMD_SUBMIT a lone RET_SUBMIT answers (bit 3) and
/// whether the client decoder starts before import (bit 4).
///
/// Properties (usbip_protocol.rst): every message that parses re-encodes to bytes that parse
/// back to an equal value; each decoder — the server's (the emulator) and the client's (the
/// driver, with three URBs outstanding) — gives the same messages and the same error whether
/// the stream arrives in one piece or cut anywhere, and every message it gives round-trips.
func fuzzUSBIP(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let mode = input.byte()
    let wire = input.rest()

    roundTrip(wire) { (b) throws(USBIPError) in try USBIPDevlistRequest(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPImportRequest(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPDevlistReply(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPImportReply(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPCmdSubmit(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPCmdUnlink(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPRetUnlink(parsing: b) }
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPUSBDevice(parsing: b) }
    roundTrip(wire) { (b) throws(USBError) in try USBSetupPacket(parsing: b) }
    roundTrip(wire) { (b) throws(USBError) in try USBDeviceDescriptor(parsing: b) }
    let direction: USBIPDirection = mode & 0x08 != 0 ? .in : .out
    roundTrip(wire) { (b) throws(USBIPError) in try USBIPRetSubmit(parsing: b, requestDirection: direction) }

    let chunks = fuzzChunks(wire, seed: mode)
    let clientPhase: USBIPStreamDecoder.Phase = mode & 0x10 != 0 ? .operation : .urb
    for (role, phase) in [(USBIPStreamDecoder.Role.server, USBIPStreamDecoder.Phase.operation), (.client, clientPhase)] {
        let whole = USBIPStreamRun(role: role, phase: phase, chunks: [wire[...]])
        let cut = USBIPStreamRun(role: role, phase: phase, chunks: chunks)
        fuzzRequire(whole.messages == cut.messages && whole.error == cut.error,
                    "the \(role) decoder does not depend on how the stream is cut: \(wire.hexString)")
    }
}

/// A USB/IP message type: parsed from and encoded to its bytes.
protocol USBIPWireMessage: Equatable {
    var bytes: [UInt8] { get }
}

extension USBIPDevlistRequest: USBIPWireMessage {}
extension USBIPImportRequest: USBIPWireMessage {}
extension USBIPDevlistReply: USBIPWireMessage {}
extension USBIPImportReply: USBIPWireMessage {}
extension USBIPCmdSubmit: USBIPWireMessage {}
extension USBIPCmdUnlink: USBIPWireMessage {}
extension USBIPRetSubmit: USBIPWireMessage {}
extension USBIPRetUnlink: USBIPWireMessage {}
extension USBIPUSBDevice: USBIPWireMessage {}
extension USBSetupPacket: USBIPWireMessage {}
extension USBDeviceDescriptor: USBIPWireMessage {}

/// Parses `bytes`; if that works, the encoding parses back to an equal value.
private func roundTrip<Message: USBIPWireMessage, Failure: Error>(_ bytes: [UInt8], _ parse: ([UInt8]) throws(Failure) -> Message) {
    guard let message = try? parse(bytes) else { return }
    fuzzRequire((try? parse(message.bytes)) == message, "\(Message.self) round-trips: \(bytes.hexString)")
}
