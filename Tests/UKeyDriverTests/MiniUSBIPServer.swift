import Foundation
import POSIX
import USBIP

/// A minimal usbipd for tests: listens on a unix socket, exports one device as bus id `1-1`,
/// answers OP_REQ_IMPORT, CMD_SUBMIT (control now; bulk and interrupt IN kept pending until
/// the device has data) and CMD_UNLINK. Each connection runs on its own thread; `stop()`
/// closes everything (the emulator exiting).
final class MiniUSBIPServer: @unchecked Sendable {
    static let busid = "1-1"
    let path: String
    let model: any EmulatedUSBDevice
    /// Runs on every loop turn (about every millisecond): tests advance clocks here.
    var onTick: (@Sendable () -> Void)?
    /// What goes on the wire for a bulk IN's RET_SUBMIT (`reply`, already encoded): a
    /// misbehaving server returns other bytes, and `reset: true` closes the connection right
    /// after them. Set before the first connection.
    var bulkReplyFilter: (@Sendable (_ submit: USBIPCmdSubmit, _ reply: [UInt8]) -> (bytes: [UInt8], reset: Bool))?
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var stopped = false
    private var unlinks = 0
    private var submitsPerWrite: [Int] = []

    /// CMD_UNLINKs received so far.
    var unlinkCount: Int { lock.withLock { unlinks } }
    /// Sizes of the writes that carried CMD_SUBMITs (to check OUT + IN go in one write).
    var submitsPerRead: [Int] { lock.withLock { submitsPerWrite } }

    init(model: any EmulatedUSBDevice) throws {
        self.model = model
        path = NSTemporaryDirectory() + "ukey-drv-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        // A blocking listener: the accept loop below waits in accept(2).
        let socket = try SocketDescriptor.stream(family: AF_UNIX)
        do {
            try socket.bind(to: try SocketAddress.unix(path), name: path)
            try socket.listen(backlog: 8)
        } catch {
            socket.close()
            throw error
        }
        listener = socket.rawValue
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var deviceName: String { "usbip:unix:\(path)/\(MiniUSBIPServer.busid)" }

    /// Ends the server (once): the connections still open are shut down — under the lock, so
    /// that none is closed meanwhile and its number handed to another test's socket (a stale
    /// `shutdown` once stopped another suite's listener: its `accept` failed with EINVAL).
    func stop() {
        let first = lock.withLock {
            guard !stopped else { return false }
            stopped = true
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))   // wakes the accept loop, which closes it
        unlink(path)
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Accepts until ``stop()``; the listener is closed here, by the one thread that uses it.
    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 && errno == EINTR { continue }
            guard fd >= 0 else { return }
            let served = lock.withLock {
                guard !stopped else { return false }
                connections.append(fd)
                return true
            }
            guard served else { close(fd); return }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.withLock {
                connections.removeAll { $0 == fd }
                close(fd)
            }
        }
        var decoder = USBIPStreamDecoder(role: .server)
        var pendingBulk: [USBIPCmdSubmit] = []
        var pendingInterrupt: [USBIPCmdSubmit] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !isStopped {
            var out: [UInt8] = []
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 1) == 1 {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0, (try? decoder.append(buffer[0..<count])) != nil else { return }
                var submits = 0
                while let message = try? decoder.next() {
                    switch message {
                    case .OP_REQ_IMPORT(let request):
                        guard request.busidString == MiniUSBIPServer.busid else {
                            out += USBIPImportReply(failure: .noDevice).bytes
                            continue
                        }
                        out += USBIPImportReply(device: USBIPUSBDevice(
                            path: "/sys/devices/ukey/1-1", busid: MiniUSBIPServer.busid, busnum: 1, devnum: 2,
                            speed: .full, idVendor: 0x1209, idProduct: 0x0001, bcdDevice: 0x0100)).bytes
                    case .USBIP_CMD_SUBMIT(let submit):
                        submits += 1
                        switch (submit.ep, submit.direction) {
                        case (0, _):
                            switch model.control(submit.setup, data: submit.transferBuffer) {
                            case .data(let data): out += USBIPRetSubmit.in(seqnum: submit.seqnum, data: data).bytes
                            case .ok: out += USBIPRetSubmit.out(seqnum: submit.seqnum, actualLength: 0).bytes
                            case .stall: out += USBIPRetSubmit.in(seqnum: submit.seqnum, data: [], status: -32).bytes
                            }
                        case (_, .out):
                            model.bulkOut(submit.transferBuffer)
                            out += USBIPRetSubmit.out(seqnum: submit.seqnum, actualLength: UInt32(submit.transferBuffer.count)).bytes
                        case (3, .in):
                            pendingInterrupt.append(submit)
                        case (_, .in):
                            pendingBulk.append(submit)
                        }
                    case .USBIP_CMD_UNLINK(let unlink):
                        lock.withLock { unlinks += 1 }
                        let before = pendingBulk.count + pendingInterrupt.count
                        pendingBulk.removeAll { $0.seqnum == unlink.unlinkSeqnum }
                        pendingInterrupt.removeAll { $0.seqnum == unlink.unlinkSeqnum }
                        let found = before != pendingBulk.count + pendingInterrupt.count
                        out += USBIPRetUnlink(seqnum: unlink.seqnum, status: found ? USBIPRetUnlink.ECONNRESET : 0).bytes
                    default:
                        return
                    }
                }
                if submits > 0 { lock.withLock { submitsPerWrite.append(submits) } }
            }
            onTick?()
            model.tick()
            while let submit = pendingBulk.first,
                  let data = model.takeBulkIn(maxLength: Int(submit.transferBufferLength)) {
                pendingBulk.removeFirst()
                let reply = USBIPRetSubmit.in(seqnum: submit.seqnum, data: data).bytes
                guard let filter = bulkReplyFilter else {
                    out += reply
                    continue
                }
                let (bytes, reset) = filter(submit, reply)
                out += bytes
                if reset {
                    _ = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    shutdown(fd, Int32(SHUT_RDWR))
                    return
                }
            }
            while let submit = pendingInterrupt.first,
                  let data = model.takeInterrupt(maxLength: Int(submit.transferBufferLength)) {
                pendingInterrupt.removeFirst()
                out += USBIPRetSubmit.in(seqnum: submit.seqnum, data: data).bytes
            }
            if !out.isEmpty {
                let written = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written == out.count else { return }
            }
        }
    }
}
