import FuzzSupport
import ISO7816
import USB
import USBIP

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
