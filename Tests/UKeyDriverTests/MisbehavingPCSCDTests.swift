import CCID
import Foundation
import PCSCTestSupport
import Testing
import TokenDevice
import USB
import USBIP

/// A device that imports normally and serves honest descriptors (`FakeCCIDDevice`'s), then
/// answers the CCID commands in `scope` with one kind of garbage; every other command gets its
/// honest reply (so pcscd sees a card and powers it, and the bad reply reaches the parser
/// that matters).
final class GarbageCCIDDevice: EmulatedUSBDevice, @unchecked Sendable {
    enum Misbehaviour: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Replies for another bSeq (more than the host skips as stale).
        case wrongSequenceNumber
        /// dwLength 40 with 2 bytes of data: the rest never comes.
        case dwLengthTooLong
        /// dwLength 2 with 6 bytes of data.
        case dwLengthTooShort
        /// dwLength 0x7FFFFFFF.
        case dwLengthHuge
        /// The first 6 bytes of the reply, nothing more.
        case truncatedMessage
        /// bMessageType 0x99.
        case unknownMessageType
        /// Random bytes.
        case randomBytes
        /// Time extensions every 100 ms, forever.
        case endlessTimeExtensions
        /// USB/IP: the bulk IN's RET_SUBMIT carries another seqnum.
        case retSubmitWithWrongSeqnum
        /// USB/IP: half the RET_SUBMIT, then the connection is reset.
        case connectionResetMidReply

        var testDescription: String { rawValue }
        var isTransportLevel: Bool { self == .retSubmitWithWrongSeqnum || self == .connectionResetMidReply }
    }

    /// Which commands get garbage: IccPowerOn (pcscd powers the card as soon as it sees it),
    /// or XfrBlock (the ATR is fine, the APDUs are not).
    enum Scope: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case iccPowerOn, xfrBlock
        var testDescription: String { rawValue }
    }

    let misbehaviour: Misbehaviour
    let scope: Scope
    private let honest = FakeCCIDDevice()
    private let lock = NSLock()
    private var garbage: [[UInt8]] = []
    private var endlessFor: CCIDHeader?
    private var lastExtension = Date.distantPast
    private var transportFaultArmed = false
    private(set) var misbehaved = 0
    /// ``misbehaved`` read under the lock, while the device serves another thread.
    var misbehavedCount: Int { lock.withLock { misbehaved } }

    init(_ misbehaviour: Misbehaviour, scope: Scope) {
        self.misbehaviour = misbehaviour
        self.scope = scope
    }

    func control(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult { honest.control(setup, data: data) }

    func bulkOut(_ bytes: [UInt8]) {
        guard let command = try? CCIDCommand(parsing: bytes), targets(command.message) else {
            honest.bulkOut(bytes)
            return
        }
        lock.lock()
        defer { lock.unlock() }
        misbehaved += 1
        let header = command.header
        let ok = CCIDReply(bSeq: command.bSeq, bStatus: .init(.presentActive),
                           .dataBlock(bChainParameter: .beginsAndEnds, abData: FakeCCIDDevice.atr + [0x90, 0x00])).bytes
        switch misbehaviour {
        case .wrongSequenceNumber:
            for offset in 1...8 {
                garbage.append(CCIDReply(bSeq: command.bSeq &+ UInt8(offset), bStatus: .init(.presentActive),
                                         .dataBlock(bChainParameter: .beginsAndEnds, abData: [0x90, 0x00])).bytes)
            }
        case .dwLengthTooLong:
            garbage.append(CCIDHeader(bMessageType: 0x80, dwLength: 40, bSlot: 0, bSeq: command.bSeq).bytes + [0x90, 0x00])
        case .dwLengthTooShort:
            garbage.append(CCIDHeader(bMessageType: 0x80, dwLength: 2, bSlot: 0, bSeq: command.bSeq).bytes
                           + [0x90, 0x00, 0xAA, 0xBB, 0xCC, 0xDD])
        case .dwLengthHuge:
            garbage.append(CCIDHeader(bMessageType: 0x80, dwLength: 0x7FFF_FFFF, bSlot: 0, bSeq: command.bSeq).bytes
                           + [0x90, 0x00])
        case .truncatedMessage:
            garbage.append(Array(ok.prefix(6)))
        case .unknownMessageType:
            garbage.append(CCIDHeader(bMessageType: 0x99, dwLength: 2, bSlot: 0, bSeq: command.bSeq).bytes + [0x90, 0x00])
        case .randomBytes:
            garbage.append((0..<Int.random(in: 1...64)).map { _ in UInt8.random(in: 0...255) })
        case .endlessTimeExtensions:
            endlessFor = header
        case .retSubmitWithWrongSeqnum, .connectionResetMidReply:
            transportFaultArmed = true
            garbage.append(ok)
        }
    }

    func takeBulkIn(maxLength: Int) -> [UInt8]? {
        lock.lock()
        if let header = endlessFor {
            defer { lock.unlock() }
            guard Date().timeIntervalSince(lastExtension) >= 0.1 else { return nil }
            lastExtension = Date()
            return CCIDReply.timeExtension(answering: header).bytes
        }
        if !garbage.isEmpty {
            defer { lock.unlock() }
            return garbage.removeFirst()
        }
        lock.unlock()
        return honest.takeBulkIn(maxLength: maxLength)
    }

    func takeInterrupt(maxLength: Int) -> [UInt8]? { honest.takeInterrupt(maxLength: maxLength) }
    func tick() {}

    /// The server's bulk reply filter: the USB/IP-level misbehaviours.
    func filter(_ submit: USBIPCmdSubmit, _ reply: [UInt8]) -> (bytes: [UInt8], reset: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard transportFaultArmed else { return (reply, false) }
        transportFaultArmed = false
        switch misbehaviour {
        case .retSubmitWithWrongSeqnum:
            return (USBIPRetSubmit.in(seqnum: submit.seqnum &+ 1000, data: Array(reply.dropFirst(48))).bytes, false)
        case .connectionResetMidReply:
            return (Array(reply.prefix(reply.count / 2)), true)
        default:
            return (reply, false)
        }
    }

    private func targets(_ message: PCtoRDR) -> Bool {
        switch (scope, message) {
        case (.iccPowerOn, .iccPowerOn), (.xfrBlock, .xfrBlock): return true
        default: return false
        }
    }
}

/// Malformed replies from a device never crash pcscd: a private pcscd loads our driver for a
/// misbehaving fake device and for a well-behaved token (the real firmware behind a second
/// USB/IP server); opensc-tool against the bad reader fails (any error) without hanging, pcscd
/// is still running afterwards, and the good reader still answers SELECT with 9000.
@Suite(.serialized, .enabled(if: EndToEndTools.available))
struct MisbehavingDeviceThroughPCSCDTests {
    static let badName = "UKey Garbage"
    static let goodName = "UKey Good"
    static let select = "00A4040006F0554B455901"
    static let atr = "3b:8b:80:01:80:f9:a0:00:00:03:08:00:00:10:00:c8"
    /// UKEY_DRIVER_APDU_TIME_LIMIT for this pcscd: how long the endless time extensions last.
    static let timeLimit = 6.0

    /// Waits until pcscd lists a reader for every name of `names` (pcscd appends " 00 00" etc.;
    /// 60 s guard, not a time the test needs); the names it lists then, in its order.
    static func waitForReaders(_ names: [String], environment: [String: String]) throws -> [String] {
        let deadline = Date().addingTimeInterval(60)
        var listed: [String] = []
        repeat {
            let output = try TestProcess.run([EndToEndTools.python, EndToEndTools.scripts + "/pcsc_transmit.py", "--readers"],
                                             environment: environment, timeout: 60).stdout
            listed = output.split(separator: "\n").map(String.init)
            if names.allSatisfy({ name in listed.contains { $0.hasPrefix(name + " ") } }) { break }
            usleep(100_000)
        } while Date() < deadline
        return listed
    }

    /// Runs a client; `timedOut` if it had to be killed after `timeout` seconds.
    static func run(_ arguments: [String], environment: [String: String], timeout: Double)
        throws -> (output: String, timedOut: Bool)
    {
        let result = try TestProcess.run(arguments, environment: environment, timeout: timeout, throwOnTimeout: false)
        return (result.combined, result.timedOut)
    }

    @Test(arguments: GarbageCCIDDevice.Misbehaviour.allCases, GarbageCCIDDevice.Scope.allCases)
    func misbehavingDeviceNeverTakesPcscdDown(_ misbehaviour: GarbageCCIDDevice.Misbehaviour,
                                              _ scope: GarbageCCIDDevice.Scope) throws {
        let device = GarbageCCIDDevice(misbehaviour, scope: scope)
        let bad = try MiniUSBIPServer(model: device)
        bad.bulkReplyFilter = { device.filter($0, $1) }
        defer { bad.stop() }
        let good = try MiniUSBIPServer(model: LockedDevice(TokenFixture()))
        defer { good.stop() }
        let library = try #require(EndToEndTools.driverLibrary)
        let pcscd = try PCSCDHarness(readers: [
            .init(friendlyName: Self.badName, deviceName: bad.deviceName, libraryPath: library),
            .init(friendlyName: Self.goodName, deviceName: good.deviceName, libraryPath: library),
        ], extraEnvironment: ["UKEY_DRIVER_TRACE": "1", "UKEY_DRIVER_APDU_TIME_LIMIT": "\(Int(Self.timeLimit))"])
        defer { pcscd.stop() }
        let environment = pcscd.environment

        // Readers are numbered in configuration order (one file, entries in order). `opensc-tool -l`
        // is no readiness probe here: it connects to the bad reader and waits on it; listing
        // the readers (SCardListReaders) connects to none. pcscd serves clients once it has
        // added the configured readers, which the listing shows.
        let listed = try Self.waitForReaders([Self.badName, Self.goodName], environment: environment)
        try #require(listed.count == 2 && listed[0].hasPrefix(Self.badName + " ") && listed[1].hasPrefix(Self.goodName + " "),
                     "pcscd lists both readers in order:\n\(listed)\n\(pcscd.log)")
        let badIndex = 0
        let goodIndex = 1

        // The misbehaving reader: ATR and an APDU; any error is fine, success is not (except
        // the honest ATR when only the APDUs are garbled), and so is a hang. Endless time
        // extensions end at the time limit: on IccPowerOn pcscd's start-up (which every
        // client's SCardListReaders waits for) and each power-on, on XfrBlock the APDU.
        let atr = try Self.run([EndToEndTools.openscTool, "-r", "\(badIndex)", "-a"], environment: environment,
                               timeout: 45)
        if scope == .iccPowerOn {
            #expect(!atr.output.lowercased().contains(Self.atr), "no ATR from a garbled IccPowerOn:\n\(atr.output)")
        }
        let client = BackgroundClient {
            try Self.run([EndToEndTools.openscTool, "-r", "\(badIndex)", "-c", "default", "-s", Self.select],
                         environment: environment, timeout: 45)
        }
        var goodMeanwhile: (output: String, timedOut: Bool)?
        var goodFirst = false
        if misbehaviour == .endlessTimeExtensions && scope == .xfrBlock {
            // While the bad reader's APDU is extended, a client of the good reader alone is
            // served: pcscd locks each reader separately, and so does the driver. The bad
            // reader's APDU is under way once the device has taken a garbled XfrBlock (60 s guard).
            let deadline = Date().addingTimeInterval(60)
            while device.misbehavedCount == 0 && client.isRunning && Date() < deadline { usleep(20_000) }
            try #require(device.misbehavedCount > 0, "the bad reader's APDU reached the device")
            goodMeanwhile = try Self.run([EndToEndTools.python, EndToEndTools.scripts + "/pcsc_transmit.py", Self.goodName,
                                          Self.select], environment: environment, timeout: 20)
            goodFirst = client.isRunning
        }
        let exchange = client.wait()
        #expect(!exchange.output.contains("SW1=0x90"), "no APDU succeeds through the garbage:\n\(exchange.output)")
        #expect(!atr.timedOut && !exchange.timedOut, "the client gets an error, not a hang:\n\(atr.output)\n\(exchange.output)")
        if let goodMeanwhile {
            #expect(goodMeanwhile.output.hasPrefix("RESPONSE 6F") && goodMeanwhile.output.contains("9000"),
                    "the good reader answers during the bad reader's long APDU:\n\(goodMeanwhile.output)")
            #expect(goodFirst, "… before that APDU ends")
        }
        #expect(device.misbehaved > 0, "the device got to misbehave (\(misbehaviour), \(scope))\n\(pcscd.log)")
        #expect(pcscd.isRunning, "pcscd survives \(misbehaviour) on \(scope):\n\(pcscd.log)")

        // The other reader in the same pcscd still works, also for opensc-tool, which opens
        // the bad reader too while it lists readers.
        let goodATR = try Self.run([EndToEndTools.openscTool, "-r", "\(goodIndex)", "-a"], environment: environment,
                                   timeout: 20)
        let goodExchange = try Self.run([EndToEndTools.openscTool, "-r", "\(goodIndex)", "-c", "default", "-s", Self.select],
                                        environment: environment, timeout: 20)
        #expect(goodATR.output.lowercased().contains(Self.atr), "the good reader's ATR:\n\(goodATR.output)")
        #expect(goodExchange.output.contains("SW1=0x90, SW2=0x00"),
                "the good reader answers:\n\(goodExchange.output)\n\(pcscd.log)")
        #expect(pcscd.isRunning, "pcscd still running at the end:\n\(pcscd.log)")
    }
}

/// A client on a thread of its own (`TestProcess.run` blocks), for checks made while it runs.
private final class BackgroundClient: @unchecked Sendable {
    private let lock = NSLock()
    private var result: (output: String, timedOut: Bool)?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> (output: String, timedOut: Bool)) {
        Thread.detachNewThread { [self] in
            let value = (try? body()) ?? (output: "the client did not start", timedOut: false)
            lock.withLock { result = value }
            done.signal()
        }
    }

    var isRunning: Bool { lock.withLock { result == nil } }

    /// Waits for the client to end; its output.
    func wait() -> (output: String, timedOut: Bool) {
        done.wait()
        return lock.withLock { result! }
    }
}
