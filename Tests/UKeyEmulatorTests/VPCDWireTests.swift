import ISO7816
import Testing
@testable import UKeyEmulator

/// The vpcd wire format: frames, control codes, endpoints and trace redaction.
@Suite struct VPCDWireTests {
    private static let atrRequest: [UInt8] = [0x00, 0x01, 0x04]
    private static let select: [UInt8] = [0x00, 0x0C, 0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]
    private static let powerOff: [UInt8] = [0x00, 0x01, 0x00]

    @Test("a stream split at every byte boundary decodes to the same messages")
    func splitStream() throws {
        let stream = Self.atrRequest + Self.select + Self.powerOff
        let expected: [VPCDMessage] = [.control(.getATR), .apdu(Array(Self.select[2...])), .control(.powerOff)]
        for split in 0...stream.count {
            var decoder = VPCDFrameDecoder()
            var messages: [VPCDMessage] = []
            for part in [stream[..<split], stream[split...]] {
                decoder.append(part)
                while let message = try decoder.next() { messages.append(message) }
            }
            #expect(messages == expected, "split at \(split)")
            #expect(decoder.bufferedCount == 0)
            try decoder.finish()
        }
    }

    @Test("frames back to back, every read ending inside the next frame, do not make the buffer grow")
    func bufferStaysBounded() throws {
        let frame = Self.select
        var decoder = VPCDFrameDecoder()
        decoder.append(frame.prefix(3))
        for _ in 0..<10_000 {
            decoder.append(frame.dropFirst(3) + frame.prefix(3))
            #expect(try decoder.next() == .apdu(Array(frame[2...])))
            #expect(try decoder.next() == nil)
        }
        #expect(decoder.bufferedCount == 3)
        #expect(decoder.storedCount < 4 * frame.count, "the decoder keeps \(decoder.storedCount) bytes for a 3-byte rest")
    }

    @Test("every control code vpcd sends is recognised", arguments: VPCDControl.allCases)
    func controls(control: VPCDControl) throws {
        #expect(try VPCDMessage(parsingPayload: [control.rawValue]) == .control(control))
    }

    @Test("malformed frames are typed errors, never a crash", arguments: [
        ([0x00, 0x00], VPCDFrameError.emptyFrame),
        ([0x00, 0x01, 0x03], .unknownControl(0x03)),
        ([0x00, 0x01, 0xFF], .unknownControl(0xFF)),
    ] as [([UInt8], VPCDFrameError)])
    func malformed(bytes: [UInt8], error: VPCDFrameError) {
        var decoder = VPCDFrameDecoder()
        decoder.append(bytes)
        #expect(throws: error) { _ = try decoder.next() }
    }

    @Test("a stream that ends inside a frame is reported as truncated", arguments: [
        ([0x00], VPCDFrameError.truncated(have: 1, expected: 2)),
        ([0x00, 0x05, 0x00, 0xA4], .truncated(have: 4, expected: 7)),
        ([0xFF, 0xFF, 0x00], .truncated(have: 3, expected: 65_537)),
    ] as [([UInt8], VPCDFrameError)])
    func truncated(bytes: [UInt8], error: VPCDFrameError) throws {
        var decoder = VPCDFrameDecoder()
        decoder.append(bytes)
        #expect(try decoder.next() == nil)
        #expect(throws: error) { try decoder.finish() }
    }

    @Test("frames carry a 16-bit big-endian length; longer payloads are refused")
    func framing() throws {
        #expect(try VPCDMessage.frame([0x90, 0x00]) == [0x00, 0x02, 0x90, 0x00])
        let largest = [UInt8](repeating: 0xAB, count: VPCDMessage.maxPayload)
        #expect(try VPCDMessage.frame(largest).prefix(2) == [0xFF, 0xFF])
        #expect(throws: VPCDFrameError.payloadTooLong(65_536)) { try VPCDMessage.frame(largest + [0]) }
    }

    @Test("vpcd addresses parse as --vpcd takes them", arguments: [
        ("127.0.0.1:35963", VPCDEndpoint(host: "127.0.0.1", port: 35963)),
        ("localhost", VPCDEndpoint(host: "localhost", port: 35963)),
        (":4000", VPCDEndpoint(host: "127.0.0.1", port: 4000)),
        ("[::1]:5000", VPCDEndpoint(host: "::1", port: 5000)),
        ("[::1]", VPCDEndpoint(host: "::1", port: 35963)),
    ])
    func endpoints(text: String, endpoint: VPCDEndpoint) throws {
        #expect(try VPCDEndpoint(parsing: text) == endpoint)
    }

    @Test("bad vpcd addresses are refused", arguments: ["host:0", "host:abc", "host:70000", "a:b:c", "[::1", "[::1]x"])
    func badEndpoints(text: String) {
        #expect(throws: VPCDLinkError.invalidEndpoint(text)) { try VPCDEndpoint(parsing: text) }
    }

    @Test("PIN-carrying commands are redacted in traces, length included", arguments: [
        [0x00, 0x20, 0x00, 0x81, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36],
        [0x00, 0x24, 0x00, 0x81, 0x0E, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x06, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31],
        [0x10, 0x24, 0x00, 0x81, 0x04, 0x06, 0x31, 0x32, 0x33],
        [0x00, 0x2C, 0x00, 0x81, 0x10, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36],
    ] as [[UInt8]])
    func redaction(apdu: [UInt8]) {
        let text = VPCDTraceEvent.redacted(command: apdu)
        #expect(text.contains("••••"))
        #expect(!text.contains("313233"), "no PIN digits in \(text)")
        #expect(!text.contains(" \(hex(apdu[4])) "), "no Lc (the PIN's length) in \(text)")
        #expect(VPCDTraceEvent.command(text).description.contains("••••"))
    }

    @Test("other commands show their data and name")
    func plainTrace() {
        let text = VPCDTraceEvent.redacted(command: Array(Self.select[2...]))
        #expect(text == "00 A4 04 00 06F0554B45590100  SELECT")
        let response = VPCDTraceEvent.response(.init(0x6982), dataLength: 0, microseconds: 12).description
        #expect(response.contains("6982") && response.contains("security status not satisfied"))
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}
