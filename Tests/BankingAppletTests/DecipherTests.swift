import BankingApplet
import CardOS
import ISO7816
import Testing

/// DECIPHER `00 2A 80 86 00‖cryptogram‖Ne [Le]` or `00 2A 80 86 00‖cryptogram Le` without a padding
/// oracle: whatever the padding, the answer is exactly Ne bytes and 9000 (timing: `make oracle-check`).
@Suite("Banking applet: DECIPHER with implicit rejection")
struct DecipherTests {
    static let secret = Array("session key 0123".utf8)

    /// DECIPHER of `cryptogram` with Le = `ne` (none when `nil`).
    static func decipher(_ cryptogram: [UInt8], ne: Int?, indicator: UInt8 = 0x00) -> [UInt8] {
        try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [indicator] + cryptogram, ne: ne).bytes
    }

    /// DECIPHER of `cryptogram` in the form that carries Ne in its data, `00‖cryptogram‖Ne`, with
    /// Le = `le` (none when `nil`).
    static func decipher(_ cryptogram: [UInt8], neInData ne: UInt8, le: Int?) -> [UInt8] {
        try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [0x00] + cryptogram + [ne], ne: le).bytes
    }

    /// EM = `first ‖ second ‖ PS ‖ 00 ‖ M` of k = 128 bytes, PS non-zero.
    static func encoded(first: UInt8 = 0x00, second: UInt8 = 0x02, message: [UInt8] = secret) -> [UInt8] {
        let padding = (0..<(128 - 3 - message.count)).map { UInt8(truncatingIfNeeded: $0 * 13 % 255 + 1) }
        return [first, second] + padding + [0x00] + message
    }

    /// Every kind of bad padding for a 16-byte plaintext (the EM before the public operation).
    static let badEncodings: [(String, [UInt8])] = {
        var zeroInPS = encoded()
        zeroInPS[20] = 0x00
        var noSeparator = encoded()
        noSeparator[128 - 17] = 0x01
        let shortPS = [0x00, 0x02] + [UInt8](repeating: 0x33, count: 5) + [0x00] + [UInt8](repeating: 0x44, count: 120)
        return [
            ("EM[0] ≠ 0", encoded(first: 0x02)),
            ("EM[1] ≠ 2", encoded(second: 0x01)),
            ("a zero in PS", zeroInPS),
            ("no separator", noSeparator),
            ("PS shorter than 8", shortPS),
            ("valid padding, 12-byte message", encoded(message: Array(secret.prefix(12)))),
            ("valid padding, 20-byte message", encoded(message: secret + [1, 2, 3, 4])),
        ]
    }()

    @Test("a cryptogram from OpenSSL's PKCS#1 v1.5 encryption: the plaintext, Ne bytes, 9000")
    func roundTrip() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        let response = token.send(DecipherTests.decipher(key.encrypt(DecipherTests.secret), ne: 16))
        #expect(response.statusWord == .success)
        #expect(response.data == DecipherTests.secret)
        let longest = [UInt8](repeating: 0xA7, count: 117)
        #expect(token.send(DecipherTests.decipher(key.encrypt(longest), ne: 117)).data == longest, "Ne = k − 11")
        #expect(token.transferCounter == 0 && token.authenticationCounter == 0, "DECIPHER advances no counter")
    }

    @Test("RSA-2048: a 257-byte data field (extended APDU) round-trips")
    func roundTrip2048() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption, algorithm: 0x02))
        let response = token.send(DecipherTests.decipher(key.encrypt(DecipherTests.secret), ne: 16))
        #expect(response.statusWord == .success)
        #expect(response.data == DecipherTests.secret)
        let bad = token.send(DecipherTests.decipher([UInt8](repeating: 0x42, count: 256), ne: 245))
        #expect(bad.statusWord == .success)
        #expect(bad.data.count == 245)
    }

    @Test("Ne in the data (00‖cryptogram‖Ne), without Le as at T=0 or with Le = Ne: the plaintext, Ne bytes, 9000",
          arguments: [nil, 16] as [Int?])
    func neInData(le: Int?) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        let response = token.send(DecipherTests.decipher(key.encrypt(DecipherTests.secret), neInData: 16, le: le))
        #expect(response.statusWord == .success)
        #expect(response.data == DecipherTests.secret)
        let longest = [UInt8](repeating: 0xA7, count: 117)
        #expect(token.send(DecipherTests.decipher(key.encrypt(longest), neInData: 117, le: le.map { _ in 117 })).data == longest,
                "Ne = k − 11")
        #expect(token.send(DecipherTests.decipher(key.encrypt([0x42]), neInData: 1, le: le.map { _ in 1 })).data == [0x42], "Ne = 1")
        #expect(token.transferCounter == 0 && token.authenticationCounter == 0, "DECIPHER advances no counter")
    }

    @Test("RSA-2048 with Ne in the data (258 bytes, chained as the host library sends it): the plaintext")
    func neInData2048() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption, algorithm: 0x02))
        let data = [0x00] + key.encrypt(DecipherTests.secret) + [16]
        let first = try CommandAPDU(cla: 0x10, ins: 0x2A, p1: 0x80, p2: 0x86, data: Array(data.prefix(255))).bytes
        let last = try CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: Array(data.dropFirst(255))).bytes
        #expect(token.send(first).statusWord == .success, "the first part of the chain is taken")
        let response = token.send(last)
        #expect(response.statusWord == .success)
        #expect(response.data == DecipherTests.secret, "the last part has no Le: Ne came in the data")
    }

    @Test("bad padding with Ne in the data: the same Ne pseudo-random bytes as with Ne in Le",
          arguments: DecipherTests.badEncodings.map(\.0))
    func badPaddingNeInData(kind: String) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        let cryptogram = key.raw(DecipherTests.badEncodings.first { $0.0 == kind }!.1)
        let inLe = token.send(DecipherTests.decipher(cryptogram, ne: 16))
        for le in [nil, 16] as [Int?] {
            let inData = token.send(DecipherTests.decipher(cryptogram, neInData: 16, le: le))
            #expect(inData.statusWord == .success && inData.data.count == 16, "no status word or length tells bad padding from good")
            #expect(inData.data == inLe.data, "the form does not change the implicit rejection's answer")
        }
    }

    @Test("Ne in the data: refused from public values only", arguments: [
        (16, 17, 128, StatusWord.wrongLength),         // Le ≠ Ne
        (16, 15, 128, StatusWord.wrongLength),         // Le ≠ Ne
        (16, 256, 128, StatusWord.wrongLength),        // Le 00 ≠ Ne
        (0, nil, 128, StatusWord.wrongLength),         // Ne 0
        (118, nil, 128, StatusWord.wrongLength),       // Ne > k − 11
        (118, 118, 128, StatusWord.wrongLength),       // Ne > k − 11, Le = Ne
        (255, nil, 128, StatusWord.wrongLength),       // Ne > k − 11
        (16, nil, 127, StatusWord.wrongLength),        // Nc = k + 1 without Le (a one-byte-short cryptogram and Ne)
        (16, nil, 129, StatusWord.wrongLength),        // Nc = k + 3
        (16, 16, 129, StatusWord.wrongLength),         // Nc = k + 3 with Le
    ] as [(UInt8, Int?, Int, StatusWord)])
    func neInDataRefusals(ne: UInt8, le: Int?, size: Int, status: StatusWord) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        var cryptogram = key.encrypt(DecipherTests.secret)
        cryptogram = size <= 128 ? Array(cryptogram.prefix(size)) : cryptogram + [0x00]
        #expect(token.send(DecipherTests.decipher(cryptogram, neInData: ne, le: le)).statusWord == status)
        let indicator = try CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [0x01] + cryptogram + [ne], ne: le).bytes
        #expect(token.send(indicator).statusWord == .wrongData, "a padding indicator other than 00 is 6A80 first")
    }

    @Test("bad padding: 9000 with exactly Ne bytes, not the message, the same bytes twice",
          arguments: DecipherTests.badEncodings.map(\.0))
    func badPadding(kind: String) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        let encoded = DecipherTests.badEncodings.first { $0.0 == kind }!.1
        let command = DecipherTests.decipher(key.raw(encoded), ne: 16)
        let first = token.send(command)
        #expect(first.statusWord == .success, "no status word tells bad padding from good")
        #expect(first.data.count == 16, "no length tells bad padding from good")
        #expect(first.data != Array(encoded.suffix(16)))
        #expect(token.send(command).data == first.data, "the same cryptogram gets the same answer")
        #expect(token.transferCounter == 0 && token.authenticationCounter == 0)
    }

    @Test("two different bad cryptograms get different answers; so does garbage")
    func distinctAnswers() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        var answers: Set<[UInt8]> = []
        for (_, encoded) in DecipherTests.badEncodings {
            let response = token.send(DecipherTests.decipher(key.raw(encoded), ne: 16))
            #expect(response.statusWord == .success)
            answers.insert(response.data)
        }
        let garbage = token.send(DecipherTests.decipher([UInt8](repeating: 0x42, count: 128), ne: 16))
        #expect(garbage.statusWord == .success && garbage.data.count == 16)
        answers.insert(garbage.data)
        #expect(answers.count == DecipherTests.badEncodings.count + 1)
    }

    @Test("status words come from public lengths and the indicator byte only", arguments: [
        (nil, 0x00, 128, StatusWord.wrongLength),      // no Le
        (118, 0x00, 128, StatusWord.wrongLength),      // Ne > k − 11
        (256, 0x00, 128, StatusWord.wrongLength),      // Le 00
        (16, 0x01, 128, StatusWord.wrongData),         // padding indicator not 00
        (16, 0x00, 127, StatusWord.wrongLength),       // cryptogram shorter than k
        (16, 0x00, 129, StatusWord.wrongLength),       // longer than k
    ] as [(Int?, UInt8, Int, StatusWord)])
    func publicRefusals(ne: Int?, indicator: UInt8, size: Int, status: StatusWord) throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.decryption))
        var cryptogram = key.encrypt(DecipherTests.secret)
        cryptogram = size <= 128 ? Array(cryptogram.prefix(size)) : cryptogram + [0x00]
        #expect(token.send(DecipherTests.decipher(cryptogram, ne: ne, indicator: indicator)).statusWord == status)
    }
}
