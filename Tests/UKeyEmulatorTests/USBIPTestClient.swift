import CCID
import Foundation
import POSIX
import USB
import USBIP
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test client (timeouts, unexpected replies).
struct TestClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small USB/IP client (vhci's role) for the tests: TCP or unix socket, OP_REQ_DEVLIST,
/// OP_REQ_IMPORT, control transfers, and CCID over the bulk endpoints, the OUT and IN
/// CMD_SUBMITs of each message sent in one write like the driver does.
///
/// Blocking, with a timeout on every wait; one thread at a time.
final class USBIPTestClient: @unchecked Sendable {
    static let timeout: Double = 20
    /// How long one bulk IN may take (a confirmation waits for the holder).
    nonisolated(unsafe) static var confirmTimeout: Double = 150

    let fd: Int32
    private var decoder = USBIPStreamDecoder(role: .client)
    private var received: [UInt32: USBIPMessage] = [:]
    private var operations: [USBIPMessage] = []
    private var nextSeqnum: UInt32 = 0
    private var bSeq: UInt8 = 0
    /// The imported device's devid (busnum << 16 | devnum).
    var devid: UInt32 = 0

    /// Connects to `127.0.0.1:PORT`, `[::1]:PORT` or `unix:PATH`.
    init(_ address: String) throws {
        do {
            if address.hasPrefix("unix:") {
                fd = try ConnectedSocket.connect(unixPath: String(address.dropFirst(5))).descriptor.rawValue
            } else {
                guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
                    throw TestClientError("bad address \(address)")
                }
                let host = address[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                fd = try ConnectedSocket.connect(host: host, port: port, milliseconds: 5_000).descriptor.rawValue
            }
        } catch let error as SystemCallError {
            throw TestClientError("\(error)")
        }
    }

    deinit { close(fd) }

    // MARK: Bytes

    /// Sends raw bytes in one write (bad-input tests use it directly).
    func sendRaw(_ bytes: [UInt8]) throws {
        do {
            try SocketDescriptor(rawValue: fd).sendAll(bytes)
        } catch {
            throw TestClientError("send failed: \(error)")
        }
    }

    /// Sends messages in one write.
    func send(_ messages: [USBIPMessage]) throws {
        var bytes: [UInt8] = []
        for message in messages {
            try decoder.willSend(message)
            bytes += message.bytes
        }
        try sendRaw(bytes)
    }

    /// Reads once (waiting up to `timeout`) and decodes what arrived.
    private func readSome(timeout: Double) throws {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { throw TestClientError("no reply within \(timeout) s") }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw TestClientError("the emulator closed the connection") }
        try decoder.append(chunk[..<count])
        while let message = try decoder.next() {
            switch message {
            case .USBIP_RET_SUBMIT(let reply): received[reply.seqnum] = message
            case .USBIP_RET_UNLINK(let reply): received[reply.seqnum] = message
            default: operations.append(message)
            }
        }
    }

    /// Reads once and returns how many RET_SUBMIT / RET_UNLINK that single read completed
    /// (to check that replies leave in one write).
    func repliesInOneRead(timeout: Double = USBIPTestClient.timeout) throws -> Int {
        let before = received.count
        try readSome(timeout: timeout)
        return received.count - before
    }

    /// Whether the emulator closes the connection within `timeout` (whatever it sent before).
    func isClosedByPeer(timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return true }
        }
        return false
    }

    /// Reads one text line (for the control socket's raw tests).
    func readLine(timeout: Double = USBIPTestClient.timeout) throws -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { throw TestClientError("no line within \(timeout) s") }
            guard recv(fd, &byte, 1, 0) == 1 else { throw TestClientError("closed") }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    // MARK: OP_* messages

    private func nextOperation() throws -> USBIPMessage {
        while operations.isEmpty { try readSome(timeout: Self.timeout) }
        return operations.removeFirst()
    }

    func devlist() throws -> USBIPDevlistReply {
        try send([.OP_REQ_DEVLIST(USBIPDevlistRequest())])
        guard case .OP_REP_DEVLIST(let reply) = try nextOperation() else { throw TestClientError("expected OP_REP_DEVLIST") }
        return reply
    }

    func importDevice(_ busid: String) throws -> USBIPImportReply {
        try send([.OP_REQ_IMPORT(USBIPImportRequest(busid: busid))])
        guard case .OP_REP_IMPORT(let reply) = try nextOperation() else { throw TestClientError("expected OP_REP_IMPORT") }
        if let device = reply.device { devid = device.busnum << 16 | device.devnum }
        return reply
    }

    // MARK: URBs

    func seqnum() -> UInt32 {
        nextSeqnum += 1
        return nextSeqnum
    }

    /// Waits for the reply to `seqnum`.
    func reply(to seqnum: UInt32, timeout: Double = USBIPTestClient.timeout) throws -> USBIPMessage {
        let deadline = Date().addingTimeInterval(timeout)
        while received[seqnum] == nil {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw TestClientError("no reply to seqnum \(seqnum) within \(timeout) s") }
            try readSome(timeout: left)
        }
        return received.removeValue(forKey: seqnum)!
    }

    func retSubmit(_ seqnum: UInt32, timeout: Double = USBIPTestClient.timeout) throws -> USBIPRetSubmit {
        guard case .USBIP_RET_SUBMIT(let reply) = try reply(to: seqnum, timeout: timeout) else {
            throw TestClientError("expected RET_SUBMIT for \(seqnum)")
        }
        return reply
    }

    /// A control transfer on endpoint 0.
    func control(_ setup: USBSetupPacket, data: [UInt8] = []) throws -> USBIPRetSubmit {
        let number = seqnum()
        let direction: USBIPDirection = setup.isDeviceToHost ? .in : .out
        try send([.USBIP_CMD_SUBMIT(USBIPCmdSubmit(seqnum: number, devid: devid, direction: direction, ep: 0,
                                                   transferBufferLength: UInt32(setup.wLength), setup: setup,
                                                   transferBuffer: data))])
        return try retSubmit(number)
    }

    /// GET_DESCRIPTOR(type, index) of up to `length` bytes.
    func descriptor(type: UInt8, index: UInt8 = 0, length: UInt16 = 255) throws -> [UInt8] {
        let reply = try control(USBSetupPacket(bmRequestType: 0x80, bRequest: USBSetupPacket.GET_DESCRIPTOR,
                                               wValue: UInt16(type) << 8 | UInt16(index), wLength: length))
        guard reply.status == 0 else { throw TestClientError("GET_DESCRIPTOR stalled (\(reply.status))") }
        return reply.transferBuffer
    }

    /// Submits an interrupt IN on endpoint 3; returns its seqnum.
    func submitInterrupt() throws -> UInt32 {
        let number = seqnum()
        try send([.USBIP_CMD_SUBMIT(.in(seqnum: number, devid: devid, ep: 3, length: 64))])
        return number
    }

    // MARK: CCID

    /// Sends one PC_to_RDR message (bulk OUT ep 1 + bulk IN ep 2 in one write) and returns the
    /// final reply, skipping time extensions.
    func ccid(_ message: PCtoRDR) throws -> CCIDReply {
        bSeq &+= 1
        let command = CCIDCommand(bSeq: bSeq, message)
        let out = seqnum()
        var inbound = seqnum()
        try send([.USBIP_CMD_SUBMIT(.out(seqnum: out, devid: devid, ep: 1, data: command.bytes)),
                  .USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: devid, ep: 2, length: 65_600))])
        guard try retSubmit(out).status == 0 else { throw TestClientError("bulk OUT failed") }
        while true {
            let ret = try retSubmit(inbound, timeout: USBIPTestClient.confirmTimeout)
            guard ret.status == 0 else { throw TestClientError("bulk IN failed: \(ret.status)") }
            let reply = try CCIDReply(parsing: ret.transferBuffer)
            guard reply.bSeq == bSeq else { throw TestClientError("reply bSeq \(reply.bSeq), expected \(bSeq)") }
            guard reply.bStatus.bmCommandStatus == .timeExtension else { return reply }
            inbound = seqnum()
            try send([.USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: devid, ep: 2, length: 65_600))])
        }
    }

    /// IccPowerOn: the ATR.
    func powerOn() throws -> [UInt8] {
        let reply = try ccid(.iccPowerOn(bPowerSelect: .automatic))
        guard reply.bStatus.bmCommandStatus == .processedWithoutError, case .dataBlock(_, let atr) = reply.message else {
            throw TestClientError("IccPowerOn failed: \(reply)")
        }
        return atr
    }

    /// XfrBlock with a command APDU: the response APDU.
    func transmit(_ apdu: [UInt8]) throws -> [UInt8] {
        let reply = try ccid(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu))
        guard reply.bStatus.bmCommandStatus == .processedWithoutError, case .dataBlock(_, let response) = reply.message else {
            throw TestClientError("XfrBlock failed: \(reply)")
        }
        return response
    }
}
