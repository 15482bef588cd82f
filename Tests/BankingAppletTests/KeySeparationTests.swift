import BankingApplet
import CardOS
import HostPlatform
import ISO7816
import Testing

/// The transfer key signs only what the card built itself: a DTBS the holder approved (CONFIRM
/// TRANSFER's 9E) and a CertificationRequestInfo (`80 50 00 01`). No other command, under any
/// P1/P2, CLA or chaining, makes anything that verifies under the transfer public key; the
/// authentication key serves SIGN and INTERNAL AUTHENTICATE; DECIPHER uses the decryption key
/// only (issue 13).
@Suite("Banking applet: key separation")
struct KeySeparationTests {
    /// A token holding all three keys, and their public keys.
    struct Keys {
        let token: TokenHarness
        let transfer: TestRSA
        let authentication: TestRSA
        let decryption: TestRSA

        init() throws {
            token = TokenHarness()
            transfer = try TestRSA(publicKeyObject: token.personalize(.transfer))
            authentication = try TestRSA(publicKeyObject: token.generate(.authentication))
            decryption = try TestRSA(publicKeyObject: token.generate(.decryption))
        }
    }

    /// A DER `Name`: `CN=Zhang San, O=UKey Test Bank`.
    static let subject: [UInt8] = TLV(tag: 0x30, children: [
        TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [0x55, 0x04, 0x03]), TLV(tag: 0x0C, value: Array("Zhang San".utf8))])]),
        TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [0x55, 0x04, 0x0A]), TLV(tag: 0x13, value: Array("UKey Test Bank".utf8))])]),
    ]).bytes

    /// The command data each instruction gets in the sweep: what its accepted forms expect
    /// (for 2A both SIGN's DigestInfo and DECIPHER's cryptograms, under each key).
    static func payloads(ins: UInt8, keys: Keys) -> [[UInt8]] {
        let digestInfo = TestRSA.sha256DigestInfoPrefix + TestRSA.sha256(TransferBody().bytes)
        switch ins {
        case 0x2A: return [digestInfo] + [keys.decryption, keys.transfer, keys.authentication].map { [0x00] + $0.encrypt(digestInfo) }
        case 0x88: return [[UInt8](repeating: 0x70, count: 16)]
        case 0x47: return [[0x80, 0x01, 0x01]]
        case 0x50: return [subject]
        case 0xC0: return [TransferBody().bytes]
        case 0xCA, 0x84: return [[]]
        default: return [digestInfo]
        }
    }

    /// Sends `command`; a command that waits for the holder is cancelled (no signature, no new
    /// key). The answer with every 61xx part.
    static func exchange(_ token: TokenHarness, _ command: [UInt8]) -> ResponseAPDU {
        switch token.card.process(command) {
        case .response(let bytes):
            return token.fetchRemaining(try! ResponseAPDU(parsing: bytes))
        case .waiting:
            let bytes = token.card.press(.cancel) ?? StatusWord.conditionsNotSatisfied.bytes
            return token.fetchRemaining(try! ResponseAPDU(parsing: bytes))
        case .noAnswer:
            return TokenHarness.noAnswer
        }
    }

    /// `command`'s data in 7-byte parts, CLA bit 10 set on every part but the last.
    static func chained(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8], ne: Int = 256) -> [[UInt8]] {
        let parts = stride(from: 0, to: data.count, by: 7).map { Array(data[$0..<min($0 + 7, data.count)]) }
        return parts.enumerated().map { index, part in
            let last = index == parts.count - 1
            return try! CommandAPDU(cla: last ? cla : cla | 0x10, ins: ins, p1: p1, p2: p2, data: part, ne: last ? ne : nil).bytes
        }
    }

    @Test("no command but CONFIRM TRANSFER and 80 50 00 01 makes a transfer-key signature, under any P1-P2, plain or chained",
          arguments: [0x2A, 0x88, 0x47, 0x50, 0xC0, 0xDA, 0xCA, 0x84] as [UInt8])
    func sweep(ins: UInt8) throws {
        let keys = try Keys()
        let token = keys.token
        let cla: UInt8 = ins == 0x50 || ins == 0xC0 ? 0x80 : 0x00
        // DECIPHER needs Ne ≤ k − 11 (here 117); a longer answer comes through GET RESPONSE.
        let ne = ins == 0x2A ? 100 : 256
        var accepted: Set<UInt16> = []
        for data in Self.payloads(ins: ins, keys: keys) {
            var answered: [UInt16] = []
            for p1p2 in 0...0xFFFF {
                let p1 = UInt8(p1p2 >> 8), p2 = UInt8(p1p2 & 0xFF)
                let response = Self.exchange(token, try CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, ne: ne).bytes)
                guard response.statusWord == .success, !response.data.isEmpty else { continue }
                answered.append(UInt16(p1p2))
                if ins == 0x50 && p1p2 == 0x0001 { continue }   // the card-built request: checked below
                #expect(keys.transfer.signatureWindows(in: response.data).isEmpty,
                        "\(hexByte(cla)) \(hexByte(ins)) \(hexByte(p1)) \(hexByte(p2)) answered a transfer-key signature")
            }
            // The same commands chained, for every P1-P2 that answered data.
            for p1p2 in answered {
                var response = ResponseAPDU(data: [], statusWord: .success)
                for part in Self.chained(cla: cla, ins: ins, p1: UInt8(p1p2 >> 8), p2: UInt8(p1p2 & 0xFF), data: data, ne: ne) {
                    response = Self.exchange(token, part)
                }
                if ins == 0x50 && p1p2 == 0x0001 { continue }
                #expect(keys.transfer.signatureWindows(in: response.data).isEmpty,
                        "chained \(hexByte(ins)) P1-P2 \(String(p1p2, radix: 16)) answered a transfer-key signature")
            }
            accepted.formUnion(answered)
        }
        // CONFIRM TRANSFER and GENERATE 01 wait for the holder, who cancels here.
        let expected: [UInt8: Set<UInt16>] = [0x2A: [0x9E9A, 0x8086], 0x88: [0x0000], 0x47: [0x8002, 0x8003],
                                              0x50: [0x0001, 0x0002], 0xC0: [], 0xDA: [], 0xCA: [0x0100], 0x84: [0x0000]]
        #expect(accepted == expected[ins], "the P1-P2 values that answer data")
        #expect(token.transferCounter == 0, "nothing was confirmed: the transfer counter stays 0")
        #expect(token.readPublicKey(.transfer).data == TLV(tag: 0x7F49, children: [TLV(tag: 0x81, value: keys.transfer.modulus),
                                                                                   TLV(tag: 0x82, value: keys.transfer.exponent)]).bytes,
                "the transfer key is unchanged")
    }

    @Test("CONFIRM TRANSFER's 9E verifies under the transfer key, never under the authentication key")
    func confirmUsesTheTransferKey() throws {
        let keys = try Keys()
        #expect(keys.token.confirm(TransferBody().bytes) == nil)
        let parts = try TLV(parsing: keys.token.approve().data).children()
        let dtbs = try #require(parts.first(0x70)), signature = try #require(parts.first(0x9E)).value
        #expect(keys.transfer.verify(signature, data: dtbs.bytes))
        #expect(!keys.authentication.verify(signature, data: dtbs.bytes))
        #expect(keys.token.transferCounter == 1 && keys.token.authenticationCounter == 0)
    }

    @Test("SIGN of the SHA-256 DigestInfo of a real DTBS does not verify under the transfer key")
    func signOfDTBS() throws {
        let keys = try Keys()
        let token = keys.token
        #expect(token.confirm(TransferBody().bytes) == nil)
        let dtbs = try #require(try TLV(parsing: token.approve().data).children().first(0x70)).bytes
        // The next DTBS, with the counter the attacker would need (2).
        var forged = dtbs
        forged[forged.count - 1] = 0x02
        for candidate in [dtbs, forged] {
            let response = token.send(token.apdu("002A9E9A", TestRSA.sha256DigestInfoPrefix + TestRSA.sha256(candidate), le: true))
            #expect(response.statusWord == .success)
            #expect(keys.authentication.verify(response.data, data: candidate), "SIGN still signs with the authentication key")
            #expect(!keys.transfer.verify(response.data, data: candidate), "a SIGN signature is no transfer signature")
            #expect(keys.transfer.recoverSignedPayload(response.data) == nil)
        }
        #expect(token.transferCounter == 1 && token.authenticationCounter == 2)
    }

    @Test("INTERNAL AUTHENTICATE of a 16-byte DTBS-like challenge does not verify under the transfer key")
    func internalAuthenticateOfDTBS() throws {
        let keys = try Keys()
        let token = keys.token
        let challenge = TLV(tag: 0x70, children: [TLV(tag: 0x82, value: Array("9".utf8)), TLV(tag: 0x83, value: Array("CNY".utf8)),
                                                  TLV(tag: 0x87, value: [0, 0, 0, 1])]).bytes
        #expect(challenge.count == 16)
        let response = token.send(token.apdu("00880000", challenge, le: true))
        #expect(response.statusWord == .success)
        #expect(keys.authentication.verify(response.data, data: challenge))
        #expect(!keys.transfer.verify(response.data, data: challenge))
        #expect(keys.transfer.recoverSignedPayload(response.data) == nil)
        #expect(token.transferCounter == 0 && token.authenticationCounter == 1)
    }

    @Test("DECIPHER uses the decryption key only: 6A88 without it, whatever other keys exist",
          arguments: [[BankingKey.transfer], [.authentication], [.transfer, .authentication]])
    func decipherNeedsTheDecryptionKey(present: [BankingKey]) throws {
        let token = TokenHarness()
        var publicKeys: [TestRSA] = [try TestRSA(publicKeyObject: token.personalize(present[0]))]
        for key in present.dropFirst() { publicKeys.append(try TestRSA(publicKeyObject: token.generate(key))) }
        for key in publicKeys {
            let response = token.send(token.apdu("002A8086", [0x00] + key.encrypt(Array("session key 0123".utf8)), le: true))
            #expect(response.statusWord == .referencedDataNotFound)
            #expect(response.data.isEmpty)
        }
    }

    @Test("DECIPHER never decrypts for the transfer or authentication key")
    func decipherIgnoresOtherKeys() throws {
        let keys = try Keys()
        let secret = Array("session key 0123".utf8)
        for other in [keys.transfer, keys.authentication] {
            let response = keys.token.send(DecipherTests.decipher(other.encrypt(secret), ne: secret.count))
            #expect(response.statusWord == .success && response.data.count == secret.count && response.data != secret)
        }
        let own = keys.token.send(DecipherTests.decipher(keys.decryption.encrypt(secret), ne: secret.count))
        #expect(own.statusWord == .success && own.data == secret)
    }

    @Test("GENERATE of the transfer key denied on the device: 6985, and the old key still signs transfers")
    func transferKeyGenerationDenied() throws {
        let keys = try Keys()
        let token = keys.token
        guard case .waiting = token.card.process(token.generateCommand(.transfer)) else {
            Issue.record("GENERATE of the transfer key answered without the holder's OK")
            return
        }
        #expect(token.card.press(.cancel) == StatusWord.conditionsNotSatisfied.bytes)
        #expect(try TestRSA(publicKeyObject: token.readPublicKey(.transfer).data).modulus == keys.transfer.modulus)
        #expect(token.confirm(TransferBody().bytes) == nil)
        let parts = try TLV(parsing: token.approve().data).children()
        #expect(keys.transfer.verify(try #require(parts.first(0x9E)).value, data: try #require(parts.first(0x70)).bytes))
    }

    // MARK: The card-built request

    /// `80 50 00 kk subject`.
    static func request(_ token: TokenHarness, key: UInt8, subject: [UInt8] = subject) -> ResponseAPDU {
        token.fetchRemaining(token.send(token.apdu("805000" + hexByte(key), subject, le: true)))
    }

    @Test("80 50 00 01: a PKCS#10 request the card built, signed by the transfer key over a 30 object that is never a 70 object")
    func transferRequest() throws {
        let keys = try Keys()
        let response = Self.request(keys.token, key: 0x01)
        #expect(response.statusWord == .success)
        let request = try TLV(parsing: response.data)
        #expect(request.tag.rawValue == 0x30)
        let parts = try request.children()
        #expect(parts.count == 3)
        let info = parts[0].bytes
        #expect(info.first == 0x30, "the signed CertificationRequestInfo starts with 30")
        #expect((try? TLV(parsing: info))?.tag.rawValue != 0x70, "it never parses as a 70 object")
        #expect(parts[1].bytes == [UInt8](hex: "300D06092A864886F70D01010B0500")!, "sha256WithRSAEncryption")
        let signature = Array(parts[2].value.dropFirst())
        #expect(parts[2].value.first == 0x00)
        #expect(keys.transfer.verify(signature, data: info))
        #expect(!keys.authentication.verify(signature, data: info))
        // Its subject: the host's RDNs, then serialNumber = the card's serial in upper-case hex.
        let fields = try parts[0].children()
        #expect(fields[0].bytes == [0x02, 0x01, 0x00], "version 0")
        let rdns = try fields[1].children()
        #expect(TLV(tag: 0x30, children: Array(rdns.dropLast())).bytes == Self.subject)
        #expect(rdns.last?.bytes == TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [
            TLV(tag: 0x06, value: [0x55, 0x04, 0x05]), TLV(tag: 0x13, value: Array("554B000000000001".utf8))])]).bytes)
        #expect(info.contains(keys.transfer.modulus), "its public key is the transfer key")
        #expect(keys.token.transferCounter == 0 && keys.token.authenticationCounter == 0)
    }

    @Test("80 50 00 02: the authentication key's request never verifies under the transfer key")
    func authenticationRequest() throws {
        let keys = try Keys()
        let parts = try TLV(parsing: Self.request(keys.token, key: 0x02).data).children()
        let signature = Array(parts[2].value.dropFirst())
        #expect(keys.authentication.verify(signature, data: parts[0].bytes))
        #expect(keys.transfer.recoverSignedPayload(signature) == nil)
        #expect(parts[0].bytes.contains(keys.authentication.modulus))
    }

    static let badSubjects: [(String, [UInt8])] = [
        ("a serialNumber of the host's", TLV(tag: 0x30, children: [TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [
            TLV(tag: 0x06, value: [0x55, 0x04, 0x05]), TLV(tag: 0x13, value: Array("0000000000000001".utf8))])])]).bytes),
        ("a serialNumber after a CN", TLV(tag: 0x30, children: [TLV(tag: 0x31, children: [
            TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [0x55, 0x04, 0x03]), TLV(tag: 0x0C, value: Array("A".utf8))]),
            TLV(tag: 0x30, children: [TLV(tag: 0x06, value: [0x55, 0x04, 0x05]), TLV(tag: 0x13, value: Array("1".utf8))])])]).bytes),
        ("not a SEQUENCE", [0x31, 0x00]),
        ("a DTBS", TransferBody().bytes),
        ("a DigestInfo", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 32)),
        ("truncated", Array(subject.dropLast())),
        ("trailing bytes", subject + [0x00]),
        ("an RDN that is not a SET", [0x30, 0x02, 0x30, 0x00]),
        ("an empty RDN", [0x30, 0x02, 0x31, 0x00]),
        ("an attribute without a value", [0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55, 0x04, 0x03]),
        ("a value of another type", TLV(tag: 0x30, children: [TLV(tag: 0x31, children: [TLV(tag: 0x30, children: [
            TLV(tag: 0x06, value: [0x55, 0x04, 0x03]), TLV(tag: 0x04, value: [0x41])])])]).bytes),
    ]

    @Test("80 50: a subject with a serialNumber or a malformed Name is 6A80", arguments: badSubjects)
    func badSubject(name: String, subject: [UInt8]) throws {
        let keys = try Keys()
        for key: UInt8 in [0x01, 0x02] {
            let response = Self.request(keys.token, key: key, subject: subject)
            #expect(response.statusWord == .wrongData, "\(name)")
            #expect(response.data.isEmpty)
        }
    }

    @Test("80 50: kk 03 (decryption) and other references are 6A86; no PIN is 6982; no key 6A88")
    func requestRefusals() throws {
        let keys = try Keys()
        let token = keys.token
        for key: UInt8 in [0x03, 0x00, 0x04, 0xFF] {
            #expect(Self.request(token, key: key).statusWord == .wrongP1P2)
        }
        token.card.reset()
        token.select()
        #expect(Self.request(token, key: 0x01).statusWord == .securityStatusNotSatisfied)
        #expect(Self.request(token, key: 0x02).statusWord == .securityStatusNotSatisfied)
        let fresh = TokenHarness()
        fresh.personalize(.decryption)
        #expect(Self.request(fresh, key: 0x01).statusWord == .referencedDataNotFound)
        #expect(Self.request(fresh, key: 0x02).statusWord == .referencedDataNotFound)
    }

    // MARK: Tokens of firmware 1.x

    /// A personalized token's NVM turned into firmware 1.x's: no layout record 0100, the one key
    /// in 0103 (here: the transfer key pair, as a 1.x token would have it), no 0110–0112.
    static func outdatedMemory(keepLayout: Bool = false) throws -> (MemoryNVM, TestRSA) {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.transfer))
        var records = token.memory.committedRecords
        records[0x0103] = records[TokenHarness.keyRecord(.transfer)]
        for key in BankingKey.allCases { records[TokenHarness.keyRecord(key)] = nil }
        if !keepLayout { records[TokenHarness.layoutRecord] = nil }
        return (MemoryNVM(records: records), key)
    }

    @Test("a token without record 0100 answers SELECT 6283 and no command uses its old key 0103")
    func outdatedToken() throws {
        let (memory, oldKey) = try Self.outdatedMemory()
        let token = TokenHarness(memory: memory)
        #expect(token.send("00A4040C06F0554B455901").statusWord == .applicationDeactivated)
        #expect(token.send("00A4040006F0554B45590100").statusWord == .applicationDeactivated)
        for command in [
            token.apdu("00200081", Array(TokenHarness.pin.utf8)),
            token.apdu("002A9E9A", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 32), le: true),
            token.apdu("00880000", [UInt8](repeating: 1, count: 16), le: true),
            token.apdu("00478101", le: true), token.apdu("00CA0100", le: true),
            token.apdu("80C00000", TransferBody().bytes, le: true),
            token.apdu("80500001", Self.subject, le: true),
        ] {
            let response = Self.exchange(token, command)
            #expect(response.statusWord != .success && response.data.isEmpty)
            #expect(oldKey.signatureWindows(in: response.data).isEmpty)
        }
        #expect(token.memory.committedRecords == memory.committedRecords, "nothing migrated, nothing written")
    }

    @Test("even with the layout record, a leftover 0103 is never used: every key command is 6A88")
    func leftoverOldKey() throws {
        let (memory, _) = try Self.outdatedMemory(keepLayout: true)
        let token = TokenHarness(memory: memory)
        token.select()
        #expect(token.verify(TokenHarness.pin) == .success)
        #expect(token.send(token.apdu("002A9E9A", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 1, count: 32), le: true)).statusWord
                == .referencedDataNotFound)
        #expect(token.send(token.apdu("00880000", [UInt8](repeating: 1, count: 16), le: true)).statusWord == .referencedDataNotFound)
        #expect(token.confirm(TransferBody().bytes)?.statusWord == .referencedDataNotFound)
        #expect(Self.request(token, key: 0x01).statusWord == .referencedDataNotFound)
        for key in BankingKey.allCases {
            #expect(token.readPublicKey(key).statusWord == .referencedDataNotFound)
        }
        #expect(token.info.first(0xC2)?.value == [0x00])
    }
}
