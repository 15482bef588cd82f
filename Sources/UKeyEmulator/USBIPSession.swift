import TokenDevice
import USBIP

/// One USB/IP client connection (the usbipd role, usbip_protocol.rst): OP_REQ_DEVLIST and
/// OP_REQ_IMPORT, then the URBs of the imported device.
///
/// Bulk IN (ep 2) and interrupt IN (ep 3) URBs stay pending until the device has something;
/// ``completePending()`` answers them and runs after every event and timer. Replies are only
/// queued here; the emulator flushes once per reactor iteration, so the RET_SUBMITs of an
/// APDU's OUT and IN transfers leave in one write. Any protocol violation throws, and the
/// emulator closes this connection only.
///
/// Reactor thread only.
final class USBIPSession {
    /// Why the connection must close.
    struct Violation: Error {
        var reason: String
    }

    /// -EPIPE: the endpoint stalled (or does not exist).
    static let EPIPE: Int32 = -32
    /// The most URBs a client may leave pending.
    static let maxPending = 64
    /// The bounds of what a client may announce (CCID messages are at most 65 554 bytes).
    static let limits = USBIPLimits(maxTransferBufferLength: 1 << 17, maxNumberOfPackets: 32, maxDevices: 256,
                                    maxPendingSubmits: maxPending)

    let connection: StreamConnection
    /// The emulator's tokens as they are now (a factory reset replaces one).
    private let tokens: () -> [EmulatedToken]
    private let tracer: Tracer?
    private var decoder = USBIPStreamDecoder(role: .server, limits: USBIPSession.limits)
    /// The imported token.
    private(set) var token: EmulatedToken?
    private var bulkIn: [USBIPCmdSubmit] = []
    private var interruptIn: [USBIPCmdSubmit] = []
    /// Set when the session ends after its queued replies are sent (a refused import).
    private(set) var closesAfterFlush = false
    /// Set when the client stopped reading and its replies no longer fit: close at once.
    private(set) var overflowed = false

    init(connection: StreamConnection, tokens: @escaping () -> [EmulatedToken], tracer: Tracer?) {
        self.connection = connection
        self.tokens = tokens
        self.tracer = tracer
    }

    private var busid: String { token?.busid ?? "-" }

    /// Decodes and handles every complete message in `bytes` (plus what was buffered).
    func received(_ bytes: [UInt8]) throws(Violation) {
        guard !closesAfterFlush else { return }
        do {
            try decoder.append(bytes)
            while !closesAfterFlush, let message = try decoder.next() {
                tracer?.usbip(message, busid: busid)
                try handle(message)
            }
        } catch let error as USBIPError {
            throw Violation(reason: error.description)
        } catch let error as Violation {
            throw error
        } catch {
            throw Violation(reason: "\(error)")
        }
        completePending()
    }

    private func handle(_ message: USBIPMessage) throws(Violation) {
        switch message {
        case .OP_REQ_DEVLIST:
            let devices = tokens().filter { $0.cardPort == nil }.map(\.exportedDevice)
            reply(.OP_REP_DEVLIST(USBIPDevlistReply(devices: devices)))
        case .OP_REQ_IMPORT(let request):
            guard let wanted = tokens().first(where: { $0.busid == request.busidString }),
                  wanted.session == nil, wanted.cardPort == nil
            else {
                // ST_NA for an unknown bus id and for a device in use; then the connection ends.
                reply(.OP_REP_IMPORT(USBIPImportReply(failure: .notAvailable)))
                closesAfterFlush = true
                return
            }
            wanted.session = self
            token = wanted
            reply(.OP_REP_IMPORT(USBIPImportReply(device: wanted.exportedDevice.device)))
        case .USBIP_CMD_SUBMIT(let submit):
            try check(seqnum: submit.seqnum, devid: submit.devid)
            try handle(submit)
        case .USBIP_CMD_UNLINK(let unlink):
            try check(seqnum: unlink.seqnum, devid: unlink.devid)
            let cancelled = remove(seqnum: unlink.unlinkSeqnum)
            reply(.USBIP_RET_UNLINK(USBIPRetUnlink(seqnum: unlink.seqnum,
                                                   status: cancelled ? USBIPRetUnlink.ECONNRESET : 0)))
        default:
            throw Violation(reason: "a server-to-client message from the client")
        }
    }

    /// A URB needs an imported device, its devid, and a seqnum that is not 0 and not pending.
    private func check(seqnum: UInt32, devid: UInt32) throws(Violation) {
        guard let token else { throw Violation(reason: "URB before OP_REQ_IMPORT") }
        guard devid == token.devid else { throw Violation(reason: "devid \(devid) is not the imported device's \(token.devid)") }
        guard seqnum != 0 else { throw Violation(reason: "seqnum 0") }
        guard !bulkIn.contains(where: { $0.seqnum == seqnum }), !interruptIn.contains(where: { $0.seqnum == seqnum }) else {
            throw Violation(reason: "seqnum \(seqnum) is already pending")
        }
    }

    private func handle(_ submit: USBIPCmdSubmit) throws(Violation) {
        guard let token else { return }
        typealias Device = TokenDevice<EmulatedToken.TokenPlatform>
        let isISO = submit.numberOfPackets != 0 && submit.numberOfPackets != USBIPISOPacketDescriptor.notISO
        switch (submit.ep, submit.direction) {
        case _ where isISO:
            reply(.USBIP_RET_SUBMIT(USBIPRetSubmit(seqnum: submit.seqnum, status: Self.EPIPE, actualLength: 0)))
        case (0, let direction):
            let result = token.device.control(submit.setup, data: direction == .out ? submit.transferBuffer : [])
            if let capture = token.capture {
                var answered: [UInt8] = []
                if case .data(let data) = result { answered = Array(data.prefix(Int(submit.transferBufferLength))) }
                capture.control(devnum: token.devnum, setup: submit.setup.bytes,
                                data: direction == .in ? answered : submit.transferBuffer, isIn: direction == .in,
                                status: result == .stall ? Self.EPIPE : 0)
            }
            switch result {
            case .stall:
                reply(.USBIP_RET_SUBMIT(USBIPRetSubmit(seqnum: submit.seqnum, status: Self.EPIPE, actualLength: 0)))
            case .data(let data) where direction == .in:
                reply(.USBIP_RET_SUBMIT(.in(seqnum: submit.seqnum, data: Array(data.prefix(Int(submit.transferBufferLength))))))
            case .ok where direction == .in:
                reply(.USBIP_RET_SUBMIT(.in(seqnum: submit.seqnum, data: [])))
            case .data, .ok:
                reply(.USBIP_RET_SUBMIT(.out(seqnum: submit.seqnum, actualLength: UInt32(submit.transferBuffer.count))))
            }
        case (UInt32(Device.bulkOutEndpoint & 0x0F), .out):
            tracer?.ccidOut(submit.transferBuffer, busid: token.busid)
            token.capture?.bulkOut(devnum: token.devnum, endpoint: Device.bulkOutEndpoint, data: submit.transferBuffer,
                                   tpdu: token.device.exchange == .tpdu)
            token.device.bulkOut(submit.transferBuffer)
            reply(.USBIP_RET_SUBMIT(.out(seqnum: submit.seqnum, actualLength: UInt32(submit.transferBuffer.count))))
        case (UInt32(Device.bulkInEndpoint & 0x0F), .in):
            guard bulkIn.count + interruptIn.count < Self.maxPending else { throw Violation(reason: "too many pending URBs") }
            bulkIn.append(submit)
        case (UInt32(Device.interruptEndpoint & 0x0F), .in):
            guard bulkIn.count + interruptIn.count < Self.maxPending else { throw Violation(reason: "too many pending URBs") }
            interruptIn.append(submit)
        default:
            reply(.USBIP_RET_SUBMIT(USBIPRetSubmit(seqnum: submit.seqnum, status: Self.EPIPE, actualLength: 0)))
        }
    }

    /// Removes a pending URB; returns whether there was one.
    private func remove(seqnum: UInt32) -> Bool {
        if let index = bulkIn.firstIndex(where: { $0.seqnum == seqnum }) {
            bulkIn.remove(at: index)
            return true
        }
        if let index = interruptIn.firstIndex(where: { $0.seqnum == seqnum }) {
            interruptIn.remove(at: index)
            return true
        }
        return false
    }

    /// Answers pending IN URBs, oldest first, while the device has data for them.
    func completePending() {
        guard let token, !connection.isClosed else { return }
        while let submit = bulkIn.first,
              let data = token.device.takeBulkIn(maxLength: Int(submit.transferBufferLength)) {
            bulkIn.removeFirst()
            tracer?.ccidIn(data, busid: token.busid)
            token.capture?.transferIn(devnum: token.devnum, endpoint: TokenDevice<EmulatedToken.TokenPlatform>.bulkInEndpoint,
                                      transfer: 3, requested: submit.transferBufferLength, data: data)
            reply(.USBIP_RET_SUBMIT(.in(seqnum: submit.seqnum, data: data)))
        }
        while let submit = interruptIn.first,
              let data = token.device.takeInterrupt(maxLength: Int(submit.transferBufferLength)) {
            interruptIn.removeFirst()
            tracer?.interrupt(data, busid: token.busid)
            token.capture?.transferIn(devnum: token.devnum, endpoint: TokenDevice<EmulatedToken.TokenPlatform>.interruptEndpoint,
                                      transfer: 1, requested: submit.transferBufferLength, data: data)
            reply(.USBIP_RET_SUBMIT(.in(seqnum: submit.seqnum, data: data)))
        }
    }

    private func reply(_ message: USBIPMessage) {
        tracer?.usbip(message, busid: busid)
        if !connection.enqueue(message.bytes) { overflowed = true }
    }

    /// The connection ended: the device is free again, its pending URBs are dropped, and — as
    /// when a token is unplugged — the device forgets everything this client had under way
    /// (``TokenDevice/detach()``): no verified PIN, no open command, no half-sent message, no
    /// stale reply.
    func detach() {
        if let token, token.session === self {
            token.session = nil
            token.device.detach()
        }
        token = nil
        bulkIn.removeAll()
        interruptIn.removeAll()
    }
}
