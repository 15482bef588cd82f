import FuzzSupport
import ISO7816
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
    roundTrip(wire) { (b) throws(USBIPError) in try USBSetupPacket(parsing: b) }
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

/// Parses `bytes`; if that works, the encoding parses back to an equal value.
private func roundTrip<Message: USBIPWireMessage>(_ bytes: [UInt8], _ parse: ([UInt8]) throws(USBIPError) -> Message) {
    guard let message = try? parse(bytes) else { return }
    fuzzRequire((try? parse(message.bytes)) == message, "\(Message.self) round-trips: \(bytes.hexString)")
}

/// One decoder fed `chunks`, taking every message after each chunk, until the first error.
struct USBIPStreamRun {
    /// The client's outstanding URBs: a bulk IN (seqnum 1), a bulk OUT (2), a control IN (3).
    static let submits: [USBIPCmdSubmit] = [
        .in(seqnum: 1, devid: 0x10002, ep: 2, length: 271),
        .out(seqnum: 2, devid: 0x10002, ep: 1, data: [0x65, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
        USBIPCmdSubmit(seqnum: 3, devid: 0x10002, direction: .in, ep: 0, transferBufferLength: 18,
                       setup: USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR,
                                             wValue: 0x0100, wLength: 18)),
    ]

    let role: USBIPStreamDecoder.Role
    private(set) var messages: [USBIPMessage] = []
    private(set) var error: USBIPError? = nil

    init(role: USBIPStreamDecoder.Role, phase: USBIPStreamDecoder.Phase, chunks: [ArraySlice<UInt8>]) {
        self.role = role
        var decoder = USBIPStreamDecoder(role: role, phase: phase)
        if role == .client {
            for submit in USBIPStreamRun.submits { try! decoder.willSend(.USBIP_CMD_SUBMIT(submit)) }
            try! decoder.willSend(.USBIP_CMD_UNLINK(USBIPCmdUnlink(seqnum: 4, devid: 0x10002, unlinkSeqnum: 1)))
        }
        do throws(USBIPError) {
            for chunk in chunks {
                try decoder.append(chunk)
                while let message = try decoder.next() {
                    check(message)
                    messages.append(message)
                }
            }
        } catch {
            self.error = error
        }
    }

    private func check(_ message: USBIPMessage) {
        fuzzRequire(message.isFromClient == (role == .server), "each side decodes only what the other side sends")
        let again: USBIPMessage?
        switch message {
        case .OP_REQ_DEVLIST(let m): again = (try? USBIPDevlistRequest(parsing: m.bytes)).map(USBIPMessage.OP_REQ_DEVLIST)
        case .OP_REP_DEVLIST(let m): again = (try? USBIPDevlistReply(parsing: m.bytes)).map(USBIPMessage.OP_REP_DEVLIST)
        case .OP_REQ_IMPORT(let m): again = (try? USBIPImportRequest(parsing: m.bytes)).map(USBIPMessage.OP_REQ_IMPORT)
        case .OP_REP_IMPORT(let m): again = (try? USBIPImportReply(parsing: m.bytes)).map(USBIPMessage.OP_REP_IMPORT)
        case .USBIP_CMD_SUBMIT(let m): again = (try? USBIPCmdSubmit(parsing: m.bytes)).map(USBIPMessage.USBIP_CMD_SUBMIT)
        case .USBIP_CMD_UNLINK(let m): again = (try? USBIPCmdUnlink(parsing: m.bytes)).map(USBIPMessage.USBIP_CMD_UNLINK)
        case .USBIP_RET_UNLINK(let m): again = (try? USBIPRetUnlink(parsing: m.bytes)).map(USBIPMessage.USBIP_RET_UNLINK)
        case .USBIP_RET_SUBMIT(let m):
            let request = USBIPStreamRun.submits.first { $0.seqnum == m.seqnum }
            fuzzRequire(request != nil, "a RET_SUBMIT answers an outstanding CMD_SUBMIT")
            again = (try? USBIPRetSubmit(parsing: m.bytes, requestDirection: request?.direction ?? .out))
                .map(USBIPMessage.USBIP_RET_SUBMIT)
        }
        fuzzRequire(again == message, "a decoded message round-trips: \(message.bytes.hexString)")
    }
}
