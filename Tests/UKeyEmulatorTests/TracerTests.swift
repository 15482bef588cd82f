import CCID
import Testing
import TokenDevice
@testable import UKeyEmulator

@Suite("--trace never prints a PIN")
struct TracerTests {
    @Test("VERIFY, CHANGE and UNBLOCK data are redacted", arguments: [
        [0x00, 0x20, 0x00, 0x81, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36],
        [0x00, 0x24, 0x00, 0x81, 0x0E, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x06, 0x39, 0x38, 0x37, 0x36, 0x35, 0x34],
        [0x00, 0x2C, 0x00, 0x81, 0x10, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x06, 0x39, 0x38, 0x37, 0x36, 0x35, 0x34],
        [0x10, 0x20, 0x00, 0x81, 0x03, 0x31, 0x32, 0x33],
    ] as [[UInt8]])
    func redacted(apdu: [UInt8]) {
        var lines: [String] = []
        let tracer = Tracer(exchange: .extendedAPDU) { lines.append($0) }
        tracer.ccidOut(CCIDCommand(bSeq: 1, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu)).bytes, busid: "1-1")
        let text = lines.joined(separator: "\n")
        #expect(text.contains("••••"))
        #expect(!text.contains("313233"), "the PIN digits' hex is not in the trace")
        #expect(!text.contains("123"))
    }

    @Test("other APDUs and the status word's meaning are shown")
    func shown() {
        var lines: [String] = []
        let tracer = Tracer(exchange: .extendedAPDU) { lines.append($0) }
        tracer.ccidOut(CCIDCommand(bSeq: 7, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xCA, 0x01, 0x00, 0x00])).bytes,
                       busid: "1-1")
        tracer.ccidIn(CCIDReply(bSeq: 7, bStatus: CCIDSlotStatus(.presentActive), bError: CCIDSlotError(0),
                                .dataBlock(bChainParameter: .beginsAndEnds, abData: [0x69, 0x82])).bytes, busid: "1-1")
        #expect(lines.contains { $0.contains("PC_to_RDR_XfrBlock") && $0.contains("bSeq 7") })
        #expect(lines.contains { $0.contains("apdu → 00CA0100 00") })
        #expect(lines.contains { $0.contains("apdu ← 6982 (security status not satisfied)") }, "\(lines)")
    }

    @Test("OATH PUT, SET CODE and VALIDATE data, chained parts and the VALIDATE proof are redacted", arguments: [
        [0x00, 0x01, 0x00, 0x00, 0x0A, 0x71, 0x01, 0x61, 0x73, 0x05, 0x21, 0x06, 0xAB, 0xAB, 0xAB],
        [0x10, 0x01, 0x00, 0x00, 0x05, 0x73, 0x03, 0xAB, 0xAB, 0xAB],
        [0x00, 0x03, 0x00, 0x00, 0x05, 0x73, 0x03, 0x21, 0xAB, 0xAB],
        [0x00, 0xA3, 0x00, 0x00, 0x04, 0x75, 0x02, 0xAB, 0xAB],
    ] as [[UInt8]])
    func oathRedacted(apdu: [UInt8]) {
        var lines: [String] = []
        let tracer = Tracer(exchange: .extendedAPDU) { lines.append($0) }
        tracer.ccidOut(CCIDCommand(bSeq: 3, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: apdu)).bytes, busid: "1-1")
        tracer.ccidIn(CCIDReply(bSeq: 3, bStatus: CCIDSlotStatus(.presentActive), bError: CCIDSlotError(0),
                                .dataBlock(bChainParameter: .beginsAndEnds, abData: [0x75, 0x02, 0xAB, 0xAB, 0x90, 0x00])).bytes, busid: "1-1")
        let text = lines.joined(separator: "\n")
        #expect(text.contains("••••"))
        #expect(!text.contains("ABAB"), "\(text)")
    }

    @Test("at TPDU level no INF byte is printed")
    func tpdu() {
        var lines: [String] = []
        let tracer = Tracer(exchange: .tpdu) { lines.append($0) }
        let block: [UInt8] = [0x00, 0x00, 0x0B, 0x00, 0x20, 0x00, 0x81, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x00]
        tracer.ccidOut(CCIDCommand(bSeq: 1, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: block)).bytes, busid: "1-1")
        #expect(!lines.joined().contains("3132"))
        #expect(lines.contains { $0.contains("t1 → NAD 00 PCB 00 LEN 11") })
    }
}
