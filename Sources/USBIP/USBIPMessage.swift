/// Any USB/IP message, named as in usbip_protocol.rst. Before import a connection carries
/// OP_* messages; after a successful OP_REP_IMPORT, USBIP_CMD_* and USBIP_RET_*.
public enum USBIPMessage: Hashable, Sendable {
    case OP_REQ_DEVLIST(USBIPDevlistRequest)
    case OP_REP_DEVLIST(USBIPDevlistReply)
    case OP_REQ_IMPORT(USBIPImportRequest)
    case OP_REP_IMPORT(USBIPImportReply)
    case USBIP_CMD_SUBMIT(USBIPCmdSubmit)
    case USBIP_RET_SUBMIT(USBIPRetSubmit)
    case USBIP_CMD_UNLINK(USBIPCmdUnlink)
    case USBIP_RET_UNLINK(USBIPRetUnlink)

    /// The encoded message.
    public var bytes: [UInt8] {
        switch self {
        case .OP_REQ_DEVLIST(let m): return m.bytes
        case .OP_REP_DEVLIST(let m): return m.bytes
        case .OP_REQ_IMPORT(let m): return m.bytes
        case .OP_REP_IMPORT(let m): return m.bytes
        case .USBIP_CMD_SUBMIT(let m): return m.bytes
        case .USBIP_RET_SUBMIT(let m): return m.bytes
        case .USBIP_CMD_UNLINK(let m): return m.bytes
        case .USBIP_RET_UNLINK(let m): return m.bytes
        }
    }

    /// Whether the client sends it (requests and commands) rather than the server.
    public var isFromClient: Bool {
        switch self {
        case .OP_REQ_DEVLIST, .OP_REQ_IMPORT, .USBIP_CMD_SUBMIT, .USBIP_CMD_UNLINK: return true
        case .OP_REP_DEVLIST, .OP_REP_IMPORT, .USBIP_RET_SUBMIT, .USBIP_RET_UNLINK: return false
        }
    }
}
