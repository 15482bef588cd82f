import CCID
import ISO7816
import TokenDevice
import USBIP

/// `--trace`: one line per hop — USB/IP message, CCID message, APDU with the status word's
/// meaning — written to the diagnostics stream.
///
/// Secrets never appear: bulk payloads are shown by length only at the USB/IP level, the data of
/// VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (INS 20, 24, 2C) and of PIV 9B mutual
/// authentication (`APDUTrace.isSecret`) is printed as `••••`,
/// and at TPDU level the INF field of a T=1 block is never printed.
///
/// Reactor thread only.
final class Tracer {
    /// Response data beyond this is cut in the trace.
    static let dataLimit = 256

    private let write: (String) -> Void
    private let exchange: ExchangeLevel
    /// bMessageType of the last command per token and bSeq, to name the replies' contents.
    private var commands: [String: [UInt8: CCIDMessageType]] = [:]
    /// The bSeqs per token whose answer is secret (``APDUTrace/hidesResponse(_:)``: OATH codes and proofs, 9B steps).
    private var hiddenResponses: [String: Set<UInt8>] = [:]

    init(exchange: ExchangeLevel, write: @escaping (String) -> Void) {
        self.exchange = exchange
        self.write = write
    }

    // MARK: USB/IP

    func usbip(_ message: USBIPMessage, busid: String) {
        let arrow = message.isFromClient ? "→" : "←"
        write("trace \(busid) usbip \(arrow) \(Tracer.describe(message))")
    }

    static func describe(_ message: USBIPMessage) -> String {
        switch message {
        case .OP_REQ_DEVLIST: return "OP_REQ_DEVLIST"
        case .OP_REP_DEVLIST(let reply): return "OP_REP_DEVLIST status \(reply.status.rawValue), \(reply.devices.count) device(s)"
        case .OP_REQ_IMPORT(let request): return "OP_REQ_IMPORT busid \(request.busidString)"
        case .OP_REP_IMPORT(let reply): return "OP_REP_IMPORT status \(reply.status.rawValue)"
        case .USBIP_CMD_SUBMIT(let s):
            var text = "USBIP_CMD_SUBMIT seqnum \(s.seqnum) devid \(hex32(s.devid)) ep \(s.ep) \(s.direction == .in ? "in" : "out")"
            if s.ep == 0 { text += " setup \(s.setup.bytes.hexString)" }
            text += s.direction == .in ? " length \(s.transferBufferLength)" : " \(s.transferBuffer.count) bytes"
            return text
        case .USBIP_RET_SUBMIT(let r):
            return "USBIP_RET_SUBMIT seqnum \(r.seqnum) status \(r.status) actual_length \(r.actualLength)"
        case .USBIP_CMD_UNLINK(let u): return "USBIP_CMD_UNLINK seqnum \(u.seqnum) unlink_seqnum \(u.unlinkSeqnum)"
        case .USBIP_RET_UNLINK(let r): return "USBIP_RET_UNLINK seqnum \(r.seqnum) status \(r.status)"
        }
    }

    static func hex32(_ value: UInt32) -> String {
        hexWord(UInt16(value >> 16)) + hexWord(UInt16(value & 0xFFFF))
    }

    // MARK: CCID

    /// A bulk OUT transfer: a PC_to_RDR message and, for XfrBlock, the APDU in it.
    func ccidOut(_ bytes: [UInt8], busid: String) {
        guard let header = try? CCIDHeader(parsing: bytes), let type = header.messageType else {
            write("trace \(busid) ccid → \(bytes.count) bytes (not a whole CCID message)")
            return
        }
        commands[busid, default: [:]][header.bSeq] = type
        write("trace \(busid) ccid → PC_to_RDR_\(Tracer.name(type)) bSlot \(header.bSlot) bSeq \(header.bSeq) dwLength \(header.dwLength)")
        guard type == .xfrBlock || type == .secure, bytes.count > CCIDHeader.count else { return }
        let data = Array(bytes[CCIDHeader.count...])
        if exchange == .tpdu || type == .secure {
            write("trace \(busid) t1 → \(Tracer.describeBlock(data))")
        } else {
            write("trace \(busid) apdu → \(Tracer.redacted(command: data))")
            hiddenResponses[busid, default: []].remove(header.bSeq)
            if APDUTrace.hidesResponse(data) { hiddenResponses[busid, default: []].insert(header.bSeq) }
        }
    }

    /// A bulk IN transfer: an RDR_to_PC message and, for a DataBlock answering XfrBlock, the
    /// response APDU with the meaning of its status word.
    func ccidIn(_ bytes: [UInt8], busid: String) {
        guard let header = try? CCIDHeader(parsing: bytes), let type = header.messageType else {
            write("trace \(busid) ccid ← \(bytes.count) bytes")
            return
        }
        let status = CCIDSlotStatus(bStatus: header.byte7)
        var line = "trace \(busid) ccid ← RDR_to_PC_\(Tracer.name(type)) bSeq \(header.bSeq) bStatus \(hexByte(header.byte7)) bError \(hexByte(header.byte8)) dwLength \(header.dwLength)"
        if status?.bmCommandStatus == .timeExtension { line += " (time extension)" }
        write(line)
        guard type == .dataBlock, status?.bmCommandStatus == .processedWithoutError, bytes.count > CCIDHeader.count else { return }
        let data = Array(bytes[CCIDHeader.count...])
        switch commands[busid]?[header.bSeq] {
        case .iccPowerOn?:
            write("trace \(busid) atr ← \(data.hexString)")
        case .xfrBlock? where exchange != .tpdu:
            if hiddenResponses[busid]?.contains(header.bSeq) == true, let response = try? ResponseAPDU(parsing: data), !response.data.isEmpty {
                write("trace \(busid) apdu ← •••• \(response.statusWord.description)")
            } else {
                write("trace \(busid) apdu ← \(Tracer.describe(response: data))")
            }
        default:
            if exchange == .tpdu { write("trace \(busid) t1 ← \(Tracer.describeBlock(data))") }
        }
    }

    /// An interrupt IN transfer (NotifySlotChange).
    func interrupt(_ bytes: [UInt8], busid: String) {
        if case .notifySlotChange(let change)? = try? CCIDInterruptMessage(parsing: bytes) {
            write("trace \(busid) ccid ← RDR_to_PC_NotifySlotChange present \(change.isPresent(slot: 0)) changed \(change.hasChanged(slot: 0))")
        } else {
            write("trace \(busid) ccid ← interrupt \(bytes.hexString)")
        }
    }

    // MARK: APDUs

    /// The command in hex, its data replaced by `••••` for INS 20, 24 and 2C.
    static func redacted(command bytes: [UInt8]) -> String {
        guard bytes.count > 4 else { return bytes.hexString }
        if APDUTrace.isSecret(bytes) { return "\(bytes[..<4].hexString) ••••" }
        return "\(bytes[..<4].hexString) \(cut(Array(bytes[4...])))"
    }

    /// `DATA SW (meaning)`.
    static func describe(response bytes: [UInt8]) -> String {
        guard let response = try? ResponseAPDU(parsing: bytes) else { return bytes.hexString }
        let data = response.data.isEmpty ? "" : cut(response.data) + " "
        return data + response.statusWord.description
    }

    /// A T=1 block as `NAD PCB LEN` and the INF length (never its contents).
    static func describeBlock(_ block: [UInt8]) -> String {
        guard block.count >= 3 else { return block.hexString }
        return "NAD \(hexByte(block[0])) PCB \(hexByte(block[1])) LEN \(block[2]), INF \(max(0, block.count - 4)) bytes"
    }

    static func cut(_ bytes: [UInt8]) -> String {
        guard bytes.count > dataLimit else { return bytes.hexString }
        return bytes[..<dataLimit].hexString + "… (\(bytes.count) bytes)"
    }

    /// The spec's name of a message type, without its direction prefix.
    static func name(_ type: CCIDMessageType) -> String {
        switch type {
        case .iccPowerOn: return "IccPowerOn"
        case .iccPowerOff: return "IccPowerOff"
        case .getSlotStatus: return "GetSlotStatus"
        case .xfrBlock: return "XfrBlock"
        case .getParameters: return "GetParameters"
        case .resetParameters: return "ResetParameters"
        case .setParameters: return "SetParameters"
        case .escape, .escapeResponse: return "Escape"
        case .iccClock: return "IccClock"
        case .t0APDU: return "T0APDU"
        case .secure: return "Secure"
        case .mechanical: return "Mechanical"
        case .abort: return "Abort"
        case .setDataRateAndClockFrequency: return "SetDataRateAndClockFrequency"
        case .dataBlock: return "DataBlock"
        case .slotStatus: return "SlotStatus"
        case .parameters: return "Parameters"
        case .dataRateAndClockFrequency: return "DataRateAndClockFrequency"
        case .notifySlotChange: return "NotifySlotChange"
        case .hardwareError: return "HardwareError"
        }
    }
}
