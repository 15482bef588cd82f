import ISO7816
import OATHProtocol
import Testing

/// The RFC 4226 (appendix D) and RFC 6238 (appendix B) test vectors, computed by the card.
@Suite struct OTPVectorTests {
    static let hotpSecret = Array("12345678901234567890".utf8)

    /// RFC 4226 appendix D: the six-digit HOTP values for counts 0–9.
    static let hotpCodes = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

    @Test func hotpVectorsAdvanceTheCounter() {
        let token = OATHHarness()
        token.select()
        #expect(token.put("rfc4226", kind: .hotp, key: OTPVectorTests.hotpSecret) == .success)
        for expected in OTPVectorTests.hotpCodes {
            // The host sends no challenge for HOTP: the card uses its own counter.
            let (code, status) = token.code("rfc4226", challenge: [])
            #expect(status == .success)
            #expect(code == expected)
        }
    }

    @Test func hotpInitialCounterFromIMF() {
        let token = OATHHarness()
        token.select()
        #expect(token.put("from7", kind: .hotp, key: OTPVectorTests.hotpSecret, counter: 7) == .success)
        #expect(token.code("from7", challenge: []).0 == "162583")
    }

    /// The full response (P2 00): `75 digits HMAC`, RFC 4226's HMAC-SHA-1 for count 0.
    @Test func fullResponseIsTheWholeHMAC() {
        let token = OATHHarness()
        token.select()
        token.put("full", kind: .hotp, key: OTPVectorTests.hotpSecret)
        let response = token.exchange(0xA2, TLV(tag: 0x71, value: Array("full".utf8)).bytes + TLV(tag: 0x74, value: []).bytes)
        #expect(response.statusWord == .success)
        #expect(response.data == [0x75, 21, 6] + [UInt8](hex: "cc93cf18508d94934c64b65d8ba7667fb7cde4b0")!)
    }

    struct TOTPVector: Sendable, CustomStringConvertible {
        var time: UInt64
        var algorithm: OATHWire.Algorithm
        var code: String
        var description: String { "\(algorithm) T=\(time)" }
    }

    /// RFC 6238 appendix B, eight digits, each hash with its own seed.
    static let totpVectors: [TOTPVector] = [
        (59, ["94287082", "46119246", "90693936"]), (1_111_111_109, ["07081804", "68084774", "25091201"]),
        (1_111_111_111, ["14050471", "67062674", "99943326"]), (1_234_567_890, ["89005924", "91819424", "93441116"]),
        (2_000_000_000, ["69279037", "90698825", "38618901"]), (20_000_000_000, ["65353130", "77737706", "47863826"]),
    ].flatMap { time, codes in
        [TOTPVector(time: time, algorithm: .sha1, code: codes[0]), TOTPVector(time: time, algorithm: .sha256, code: codes[1]),
         TOTPVector(time: time, algorithm: .sha512, code: codes[2])]
    }

    static func seed(_ algorithm: OATHWire.Algorithm) -> [UInt8] {
        let base = Array("1234567890".utf8)
        let length = algorithm == .sha1 ? 20 : algorithm == .sha256 ? 32 : 64
        return (0..<length).map { base[$0 % 10] }
    }

    @Test(arguments: totpVectors)
    func totpVector(_ vector: TOTPVector) {
        let token = OATHHarness()
        token.select()
        #expect(token.put("rfc6238", algorithm: vector.algorithm, digits: 8, key: OTPVectorTests.seed(vector.algorithm)) == .success)
        // The host sends the time step T = floor(time / 30) as 8 bytes, as ykman does.
        let (code, status) = token.code("rfc6238", challenge: OATHHarness.bigEndian(vector.time / 30))
        #expect(status == .success)
        #expect(code == vector.code)
    }

    @Test func calculateAllAnswersTOTPAndMarksHOTPAndTouch() {
        let token = OATHHarness()
        token.select()
        token.put("totp", algorithm: .sha1, digits: 8, key: OTPVectorTests.seed(.sha1))
        token.put("hotp", kind: .hotp, key: OTPVectorTests.hotpSecret)
        token.put("touch", key: OTPVectorTests.hotpSecret, touch: true)
        let response = token.exchange(0xA4, p2: 0x01, TLV(tag: 0x74, value: OATHHarness.bigEndian(59 / 30)).bytes)
        #expect(response.statusWord == .success)
        let tlvs = try! TLV.sequence(parsing: response.data)
        #expect(tlvs.map(\.tag) == [0x71, 0x76, 0x71, 0x77, 0x71, 0x7C])
        #expect(OATHHarness.format(tlvs[1].bytes) == "94287082")
        #expect(tlvs[3].value == [6])
        #expect(tlvs[5].value == [6])
        // CALCULATE ALL does not move the HOTP counter.
        #expect(token.code("hotp", challenge: []).0 == "755224")
    }
}
