import ISO7816
import Testing

/// Trace redaction of the OATH applet's secrets: PUT (the seed), SET CODE (the access key) and
/// VALIDATE (proofs), chained parts included, and the codes CALCULATE answers.
@Suite struct APDUTraceTests {
    /// `71 04 "test" 73 16 21 06` and a 20-byte seed of 0xAB.
    static let seed = [UInt8](repeating: 0xAB, count: 20)
    static let put: [UInt8] = [0x00, 0x01, 0x00, 0x00, 30, 0x71, 0x04] + Array("test".utf8) + [0x73, 22, 0x21, 0x06] + seed

    @Test(arguments: [
        ("PUT", put),
        ("PUT, chained first part", [0x10] + Array(put[1...])),
        ("SET CODE", [0x00, 0x03, 0x00, 0x00, 19, 0x73, 17, 0x21] + seed[..<16]),
        ("VALIDATE", [0x00, 0xA3, 0x00, 0x00, 22, 0x75, 20] + seed),
    ] as [(String, [UInt8])])
    func oathSecretsAreHidden(_ label: String, _ command: [UInt8]) {
        let line = APDUTrace.command(command)
        #expect(!line.uppercased().contains("ABAB"), "\(label): \(line)")
        #expect(line.contains("••••"), "\(label)")
        #expect(APDUTrace.isSecret(command), "\(label)")
        let answer = APDUTrace.response([0x75, 0x14] + APDUTraceTests.seed + [0x90, 0x00], to: command)
        #expect(!answer.uppercased().contains("ABAB") && answer.contains("9000"), "\(label): \(answer)")
    }

    @Test func oathCodesAreHiddenButSelectIsNot() {
        let calculate: [UInt8] = [0x00, 0xA2, 0x00, 0x01, 0x0A, 0x71, 0x04] + Array("test".utf8) + [0x74, 0x00]
        let code: [UInt8] = [0x76, 0x05, 0x06, 0x12, 0x34, 0x56, 0x78, 0x90, 0x00]
        #expect(!APDUTrace.response(code, to: calculate).contains("12345678"))
        let calculateAll: [UInt8] = [0x00, 0xA4, 0x00, 0x01, 0x0A, 0x74, 0x08, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(APDUTrace.hidesResponse(calculateAll))
        let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01]
        #expect(!APDUTrace.hidesResponse(select))
        #expect(APDUTrace.response([0x79, 0x03, 0x05, 0x07, 0x00, 0x90, 0x00], to: select).contains("790305070"))
        // LIST shows names (never keys): not hidden.
        #expect(!APDUTrace.hidesResponse([0x00, 0xA1, 0x00, 0x00]))
    }
}
