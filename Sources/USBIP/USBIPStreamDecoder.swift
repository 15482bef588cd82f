/// Decodes the USB/IP messages one side of a TCP connection receives, from chunks cut
/// anywhere: feed bytes with `append`, take messages with `next`.
///
/// - The server side decodes OP_REQ_DEVLIST / OP_REQ_IMPORT, and after an OP_REQ_IMPORT,
///   USBIP_CMD_SUBMIT / USBIP_CMD_UNLINK.
/// - The client side decodes OP_REP_DEVLIST / OP_REP_IMPORT, and after an OP_REP_IMPORT with
///   status ST_OK, USBIP_RET_SUBMIT / USBIP_RET_UNLINK. A RET_SUBMIT carries no direction, so
///   the client tells the decoder what it sends (`willSend`) and the decoder matches seqnums.
///
/// Every announced length is checked against `limits` as soon as its header is in, and the
/// buffer never holds more than `limits.bufferCapacity` bytes. USB/IP has no resynchronisation:
/// after an error the decoder keeps throwing it and the connection should be closed.
public struct USBIPStreamDecoder: Sendable {
    public enum Role: Hashable, Sendable {
        /// Receives what a client sends (the emulator, usbipd's role).
        case server
        /// Receives what a server sends (the driver, vhci's role).
        case client
    }

    public enum Phase: Hashable, Sendable {
        /// Before import: OP_* messages.
        case operation
        /// After import: USBIP_CMD_* / USBIP_RET_* messages.
        case urb
    }

    public let role: Role
    public let limits: USBIPLimits
    public private(set) var phase: Phase

    private var buffer: [UInt8] = []
    private var start = 0
    private var failure: USBIPError?
    /// Client side: CMD_SUBMITs sent and not yet answered.
    private var pending: [(seqnum: UInt32, direction: USBIPDirection, length: UInt32)] = []
    /// Client side: CMD_UNLINK seqnum → the seqnum it cancels.
    private var unlinks: [(seqnum: UInt32, target: UInt32)] = []

    public init(role: Role, limits: USBIPLimits = USBIPLimits(), phase: Phase = .operation) {
        self.role = role
        self.limits = limits
        self.phase = phase
    }

    /// Bytes received and not yet returned in a message.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The number of CMD_SUBMITs awaiting their RET_SUBMIT (client side).
    public var pendingSubmitCount: Int { pending.count }

    /// Appends received bytes.
    /// - Throws: `bufferFull` (keeping nothing of `bytes`) beyond `limits.bufferCapacity`;
    ///   take the complete messages first. A previous decoding error is thrown again.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(USBIPError) {
        if let failure { throw failure }
        guard bufferedByteCount + bytes.count <= limits.bufferCapacity else {
            throw .bufferFull(capacity: limits.bufferCapacity)
        }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Client side: records a message about to be sent, so that its reply can be framed.
    /// - Throws: `tooManyPending` beyond `limits.maxPendingSubmits`.
    public mutating func willSend(_ message: USBIPMessage) throws(USBIPError) {
        switch message {
        case .USBIP_CMD_SUBMIT(let submit):
            guard pending.count < limits.maxPendingSubmits else { throw .tooManyPending(maximum: limits.maxPendingSubmits) }
            forget(seqnum: submit.seqnum)
            pending.append((submit.seqnum, submit.direction, submit.transferBufferLength))
        case .USBIP_CMD_UNLINK(let unlink):
            guard unlinks.count < limits.maxPendingSubmits else { throw .tooManyPending(maximum: limits.maxPendingSubmits) }
            unlinks.append((unlink.seqnum, unlink.unlinkSeqnum))
        default:
            break
        }
    }

    /// Client side: stops expecting a RET_SUBMIT for `seqnum`.
    public mutating func forget(seqnum: UInt32) {
        pending.removeAll { $0.seqnum == seqnum }
    }

    /// The next complete message, or `nil` if more bytes are needed.
    public mutating func next() throws(USBIPError) -> USBIPMessage? {
        if let failure { throw failure }
        do {
            return try decode()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decode() throws(USBIPError) -> USBIPMessage? {
        let available = bufferedByteCount
        let frame: USBIPFrame
        switch (phase, role) {
        case (.operation, .server):
            frame = try USBIPFraming.op(buffer, start: start, available: available,
                                        expected: [.OP_REQ_DEVLIST, .OP_REQ_IMPORT], limits: limits)
        case (.operation, .client):
            frame = try USBIPFraming.op(buffer, start: start, available: available,
                                        expected: [.OP_REP_DEVLIST, .OP_REP_IMPORT], limits: limits)
        case (.urb, _):
            let pending = self.pending
            frame = try USBIPFraming.urb(buffer, start: start, available: available, server: role == .server,
                                         limits: limits) { seqnum in
                for entry in pending where entry.seqnum == seqnum { return (entry.direction, entry.length) }
                return nil
            }
        }
        guard case .length(let length) = frame, available >= length else { return nil }
        let bytes = Array(buffer[start..<start + length])
        start += length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return try message(bytes)
    }

    /// Parses one framed message and advances the phase.
    private mutating func message(_ bytes: [UInt8]) throws(USBIPError) -> USBIPMessage {
        switch phase {
        case .operation:
            switch USBIPOpCode(rawValue: try bytes.be16(at: 2)) {
            case .OP_REQ_DEVLIST?:
                return .OP_REQ_DEVLIST(try USBIPDevlistRequest(parsing: bytes, limits: limits))
            case .OP_REQ_IMPORT?:
                phase = .urb
                return .OP_REQ_IMPORT(try USBIPImportRequest(parsing: bytes, limits: limits))
            case .OP_REP_DEVLIST?:
                return .OP_REP_DEVLIST(try USBIPDevlistReply(parsing: bytes, limits: limits))
            case .OP_REP_IMPORT?:
                let reply = try USBIPImportReply(parsing: bytes, limits: limits)
                if reply.status == .ok { phase = .urb }
                return .OP_REP_IMPORT(reply)
            case nil:
                throw .unknownOpCode(try bytes.be16(at: 2))
            }
        case .urb:
            let seqnum = try bytes.be32(at: 4)
            switch try bytes.be32(at: 0) {
            case USBIPHeaderBasic.USBIP_CMD_SUBMIT:
                return .USBIP_CMD_SUBMIT(try USBIPCmdSubmit(parsing: bytes, limits: limits))
            case USBIPHeaderBasic.USBIP_CMD_UNLINK:
                return .USBIP_CMD_UNLINK(try USBIPCmdUnlink(parsing: bytes))
            case USBIPHeaderBasic.USBIP_RET_SUBMIT:
                guard let request = pending.first(where: { $0.seqnum == seqnum }) else { throw .unknownSeqnum(seqnum) }
                forget(seqnum: seqnum)
                return .USBIP_RET_SUBMIT(try USBIPRetSubmit(parsing: bytes, requestDirection: request.direction,
                                                            requestedLength: request.length, limits: limits))
            default:
                let reply = try USBIPRetUnlink(parsing: bytes)
                if let index = unlinks.firstIndex(where: { $0.seqnum == seqnum }) {
                    // Cancelled: its RET_SUBMIT will never come.
                    if reply.status != 0 { forget(seqnum: unlinks[index].target) }
                    unlinks.remove(at: index)
                }
                return .USBIP_RET_UNLINK(reply)
            }
        }
    }
}
