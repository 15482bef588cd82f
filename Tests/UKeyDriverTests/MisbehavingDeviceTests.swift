import CCID
import Foundation
import Testing
@testable import FuzzDriverReplies
@testable import UKeyDriver

/// A device that answers nonsense: every bad reply is a typed error, never a crash or a hang.
@Suite struct MisbehavingDeviceTests {
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]

    /// A correct DataBlock for bSeq 0 with `data`.
    static func dataBlock(seq: UInt8 = 0, _ data: [UInt8] = [0x90, 0x00], status: UInt8 = 0x00) -> [UInt8] {
        CCIDHeader(bMessageType: 0x80, dwLength: UInt32(data.count), bSlot: 0, bSeq: seq, byte7: status).bytes + data
    }

    func run(_ replies: [[UInt8]]) throws(DriverError) -> [UInt8] {
        try CCIDHost(transport: ReplayTransport(replies: replies), readTimeout: 50).transmitAPDU(Self.select)
    }

    @Test func wellFormedReplyIsAccepted() throws {
        #expect(try run([Self.dataBlock()]) == [0x90, 0x00])
    }

    @Test func replySplitAtEveryByteStillDecodes() throws {
        let reply = Self.dataBlock([0x01, 0x02, 0x03, 0x90, 0x00])
        for cut in 1..<reply.count {
            #expect(try run([Array(reply[..<cut]), Array(reply[cut...])]) == [0x01, 0x02, 0x03, 0x90, 0x00])
        }
    }

    @Test func wrongSequenceNumberIsATypedError() {
        #expect(throws: DriverError.sequenceMismatch(expected: 0, got: 7)) {
            try run(Array(repeating: Self.dataBlock(seq: 7), count: 10))
        }
    }

    @Test func staleRepliesBeforeTheRightOneAreSkipped() throws {
        #expect(try run([Self.dataBlock(seq: 200), Self.dataBlock(seq: 0, [0x6A, 0x82])]) == [0x6A, 0x82])
    }

    @Test func dwLengthLongerThanTheDataTimesOut() {
        var reply = Self.dataBlock()
        reply[1] = 40
        #expect(throws: DriverError.timeout) { try run([reply]) }
    }

    @Test func dwLengthShorterThanTheTransferIsRejected() {
        var reply = Self.dataBlock([0x90, 0x00, 0xAA, 0xBB])
        reply[1] = 2
        #expect(throws: (any Error).self) { try run([reply]) }
        do {
            _ = try run([reply])
        } catch {
            guard case .badCCIDReply(.trailingBytes) = error else {
                Issue.record("expected trailing bytes, got \(error)")
                return
            }
        }
    }

    @Test func dwLengthBeyondTheMaximumIsRejected() {
        let reply = CCIDHeader(bMessageType: 0x80, dwLength: 0x7FFF_FFFF, bSlot: 0, bSeq: 0).bytes
        do {
            _ = try run([reply])
            Issue.record("accepted a 2 GB message")
        } catch {
            guard case .badCCIDReply(.messageTooLong) = error else {
                Issue.record("expected messageTooLong, got \(error)")
                return
            }
        }
    }

    @Test func garbageIsRejected() {
        let garbage: [UInt8] = [0x13, 0x37, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x00, 0x00]
        #expect(throws: (any Error).self) { try run([garbage]) }
    }

    @Test func truncatedHeaderTimesOut() {
        #expect(throws: DriverError.timeout) { try run([[0x80, 0x02, 0x00]]) }
    }

    @Test func wrongMessageTypeIsRejected() {
        let slotStatus = CCIDHeader(bMessageType: 0x81, dwLength: 0, bSlot: 0, bSeq: 0).bytes
        #expect(throws: DriverError.unexpectedReply(expected: .dataBlock, got: .slotStatus)) { try run([slotStatus]) }
    }

    @Test func reservedStatusIsRejected() {
        #expect(throws: (any Error).self) { try run([Self.dataBlock(status: 0xC0)]) }
    }

    @Test func failedCommandWithCardAbsentIsICCNotPresent() {
        #expect(throws: DriverError.iccNotPresent) { try run([Self.dataBlock([], status: 0x42)]) }
        #expect(IFDResponse.code(for: .iccNotPresent) == 616)
    }

    @Test func timeExtensionsKeepTheHostWaiting() throws {
        let extensions = Array(repeating: Self.dataBlock([], status: 0x80), count: 50)
        #expect(try run(extensions + [Self.dataBlock([0x61, 0x10])]) == [0x61, 0x10])
    }

    /// Endless time extensions: an APDU (XfrBlock) ends at `apduTimeLimit`, any other command
    /// (here IccPowerOn, which pcscd's start-up waits for) at `readTimeout`.
    @Test(arguments: [GarbageCCIDDevice.Scope.xfrBlock, .iccPowerOn])
    func endlessTimeExtensionsEndAtTheLimit(_ scope: GarbageCCIDDevice.Scope) throws {
        let device = GarbageCCIDDevice(.endlessTimeExtensions, scope: scope)
        let host = CCIDHost(transport: try LoopbackTransport(device), readTimeout: 400, apduTimeLimit: 700)
        let limit = scope == .xfrBlock ? 700 : 400
        let start = Date()
        #expect(throws: DriverError.timeExtensionLimit(milliseconds: limit)) {
            _ = try host.iccPowerOn()
            _ = try host.transmitAPDU(Self.select)
        }
        let seconds = Date().timeIntervalSince(start)
        // The limit, then the Abort: its reply is lost behind the device's stale extensions.
        #expect(seconds >= Double(limit) / 1000 && seconds < Double(limit) / 1000 + 2, "ended after \(seconds) s")
    }

    @Test func noReplyAtAllIsATimeout() {
        #expect(throws: DriverError.timeout) { try run([]) }
        #expect(IFDResponse.code(for: .timeout) == 613)
    }

    @Test func everyPrefixOfAValidReplyIsHandled() {
        let reply = Self.dataBlock([0x01, 0x02, 0x90, 0x00])
        for cut in 0..<reply.count {
            #expect(throws: (any Error).self) { try run([Array(reply[..<cut])]) }
        }
    }

    /// Fuzz/DriverReplies/corpus: the fuzzer's seeds and every input that ever crashed it
    /// (kept there as regressions) go through the fuzz entry point in every test run.
    @Test func fuzzCorpusReplaysWithoutCrashing() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/DriverReplies/corpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        #expect(names.count >= 12, "the seed corpus is there")
        for name in names {
            parseDeviceReply(Array(try Data(contentsOf: corpus.appendingPathComponent(name))))
        }
    }

    @Test func fuzzEntryPointSurvivesHostileInputs() {
        var generator = SystemRandomNumberGenerator()
        parseDeviceReply([])
        parseDeviceReply(Self.dataBlock())
        for length in [1, 9, 10, 11, 48, 64, 65, 300, 1000] {
            for _ in 0..<20 {
                parseDeviceReply((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
        }
    }
}
