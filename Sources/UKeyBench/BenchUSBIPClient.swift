import CCID
import Foundation
import POSIX
import USBIP

/// The bench's USB/IP client (vhci's role, like the tests' client): a unix-socket connection,
/// OP_REQ_IMPORT, and CCID over bulk OUT ep 1 / bulk IN ep 2, the two CMD_SUBMITs of each message
/// in one write, as the driver sends them. Blocking; one thread.
final class BenchUSBIPClient {
    private let socket: ConnectedSocket
    private var decoder = USBIPStreamDecoder(role: .client)
    private var replies: [UInt32: USBIPRetSubmit] = [:]
    private var operations: [USBIPMessage] = []
    private var seqnum: UInt32 = 0
    private var bSeq: UInt8 = 0
    private var devid: UInt32 = 0
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)

    /// Connects to the unix socket at `path`.
    init(unixPath path: String) throws {
        do {
            socket = try ConnectedSocket.connect(unixPath: path)
        } catch {
            throw BenchError("\(error)")
        }
    }

    deinit { socket.close() }

    private func send(_ messages: [USBIPMessage]) throws {
        var bytes: [UInt8] = []
        for message in messages {
            try decoder.willSend(message)
            bytes += message.bytes
        }
        do {
            try socket.sendAll(bytes)
        } catch {
            throw BenchError("\(error)")
        }
    }

    private func readSome() throws {
        guard socket.waitReadable(milliseconds: 30_000) else { throw BenchError("no reply within 30 s") }
        let count = buffer.withUnsafeMutableBytes { raw in (try? socket.descriptor.receive(into: raw)) ?? 0 }
        guard count > 0 else { throw BenchError("the emulator closed the connection") }
        try decoder.append(buffer[..<count])
        while let message = try decoder.next() {
            if case .USBIP_RET_SUBMIT(let reply) = message { replies[reply.seqnum] = reply } else { operations.append(message) }
        }
    }

    /// OP_REQ_IMPORT of `busid`.
    func importDevice(_ busid: String = "1-1") throws {
        try send([.OP_REQ_IMPORT(USBIPImportRequest(busid: busid))])
        while operations.isEmpty { try readSome() }
        guard case .OP_REP_IMPORT(let reply) = operations.removeFirst(), reply.status == .ok, let device = reply.device else {
            throw BenchError("import of \(busid) refused")
        }
        devid = device.busnum << 16 | device.devnum
    }

    private func retSubmit(_ number: UInt32) throws -> USBIPRetSubmit {
        while replies[number] == nil { try readSome() }
        return replies.removeValue(forKey: number)!
    }

    /// One PC_to_RDR message and its final RDR_to_PC reply (time extensions skipped).
    func ccid(_ message: PCtoRDR) throws -> CCIDReply {
        bSeq &+= 1
        seqnum += 2
        let out = seqnum - 1
        var inbound = seqnum
        try send([.USBIP_CMD_SUBMIT(.out(seqnum: out, devid: devid, ep: 1, data: CCIDCommand(bSeq: bSeq, message).bytes)),
                  .USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: devid, ep: 2, length: 65_600))])
        guard try retSubmit(out).status == 0 else { throw BenchError("bulk OUT failed") }
        while true {
            let ret = try retSubmit(inbound)
            guard ret.status == 0 else { throw BenchError("bulk IN failed: \(ret.status)") }
            let reply = try CCIDReply(parsing: ret.transferBuffer)
            guard reply.bStatus.bmCommandStatus == .timeExtension else { return reply }
            seqnum += 1
            inbound = seqnum
            try send([.USBIP_CMD_SUBMIT(.in(seqnum: inbound, devid: devid, ep: 2, length: 65_600))])
        }
    }

    /// IccPowerOn: the ATR.
    func powerOn() throws -> [UInt8] {
        let reply = try ccid(.iccPowerOn(bPowerSelect: .automatic))
        guard reply.bStatus.bmCommandStatus == .processedWithoutError, case .dataBlock(_, let atr) = reply.message else {
            throw BenchError("IccPowerOn failed")
        }
        return atr
    }

    /// XfrBlock: the response APDU.
    func transmit(_ apdu: [UInt8]) throws -> [UInt8] {
        let reply = try ccid(.xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu))
        guard reply.bStatus.bmCommandStatus == .processedWithoutError, case .dataBlock(_, let response) = reply.message else {
            throw BenchError("XfrBlock failed")
        }
        return response
    }
}

/// A bench set-up failure.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
