import UKeyTestCA
import ISO7816
import Testing
import UKey

/// The standard steps, alone and in a transcript against an in-memory card that signs with a
/// real RSA-1024 key.
@Suite struct TranscriptStepsTests {
    private let steps = TranscriptSteps.standard(ca: CryptoFixtures.bank)
    private let key = CryptoFixtures.token

    private func call(_ name: String, _ arguments: [String]) async throws -> String? {
        let step = try #require(steps[name])
        return try await step(arguments)
    }

    @Test("tlv follows a tag path through nested objects")
    func tlv() async throws {
        let info = "C008 1122334455667788 C102 0100"    // top level: a sequence of objects
        #expect(try await call("tlv", [info, "C1"]) == "0100")
        #expect(try await call("tlv", [info, "C0"]) == "1122334455667788")
        let nested = "7C0A 7003 800141 9E03 AABBCC".replacingOccurrences(of: " ", with: "")
        #expect(try await call("tlv", [nested, "7C/9E"]) == "AABBCC")
        #expect(try await call("tlv", [nested, "7C/70/80"]) == "41")
        await #expect(throws: TranscriptStepError.self) { try await call("tlv", [nested, "7C/81"]) }
        await #expect(throws: TranscriptStepError.self) { try await call("tlv", [nested, "7C/9E/01"]) }
        await #expect(throws: TranscriptStepError.self) { try await call("tlv", ["7C05", "7C"]) }
        await #expect(throws: TranscriptStepError.self) { try await call("tlv", [nested]) }
    }

    @Test("sha256 and digestinfo-sha256 hash their hex argument")
    func hashes() async throws {
        let digest = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        #expect(try await call("sha256", ["616263"]) == digest)
        #expect(try await call("digestinfo-sha256", ["616263"]) == "3031300D060960864801650304020105000420" + digest)
        await #expect(throws: TranscriptStepError.self) { try await call("sha256", ["6162 6"]) }
    }

    @Test("verify-digest and verify-data accept a good signature and fail on a bad one")
    func verifySteps() async throws {
        let template = key.publicKey.publicKeyTemplate.hexString
        let data: [UInt8] = Array("login challenge".utf8)
        let digest = DigestAlgorithm.sha256.hash(data)
        let signature = key.sign(data: data)
        var forged = signature
        forged[10] ^= 0x80
        #expect(try await call("verify-digest", [template, digest.hexString, signature.hexString]) == nil)
        #expect(try await call("verify-data", [template, data.hexString, signature.hexString]) == nil)
        await #expect(throws: TranscriptStepError.self) {
            try await call("verify-digest", [template, digest.hexString, forged.hexString])
        }
        await #expect(throws: TranscriptStepError.self) {
            try await call("verify-data", [template, data.hexString, forged.hexString])
        }
        await #expect(throws: TranscriptStepError.self) {   // 16 bytes: no such digest
            try await call("verify-digest", [template, Array(digest.prefix(16)).hexString, signature.hexString])
        }
    }

    @Test("verify-transfer checks the signature over the encoded 70 object and returns it")
    func verifyTransfer() async throws {
        let template = key.publicKey.publicKeyTemplate.hexString
        let dtbs = TLV(tag: 0x70, children: [TLV(tag: 0x80, value: Array("DE89370400440532013000".utf8)),
                                             TLV(tag: 0x87, value: [0, 0, 0, 3])]).bytes
        func answer(_ signature: [UInt8]) -> String {
            TLV(tag: 0x7C, children: [try! TLV(parsing: dtbs), TLV(tag: 0x9E, value: signature)]).bytes.hexString
        }
        #expect(try await call("verify-transfer", [template, answer(key.sign(data: dtbs))]) == dtbs.hexString)
        // Signed over the value only (without tag and length): refused.
        await #expect(throws: TranscriptStepError.self) {
            try await call("verify-transfer", [template, answer(key.sign(data: Array(dtbs.dropFirst(2))))])
        }
        await #expect(throws: TranscriptStepError.self) {
            try await call("verify-transfer", [template, TLV(tag: 0x7C, children: [try! TLV(parsing: dtbs)]).bytes.hexString])
        }
    }

    @Test("certify issues a certificate for the template's key that verifies against the CA")
    func certify() async throws {
        let result = try await call("certify", [key.publicKey.publicKeyTemplate.hexString, "CN=Zhang", "San"])
        let hex = try #require(result)
        let der = try #require([UInt8](hex: hex))
        let certificate = try Certificate(der: der)
        #expect(certificate.subject == "CN=Zhang San")
        #expect(certificate.publicKey == key.publicKey)
        #expect(certificate.verify(issuedBy: CryptoFixtures.bank.certificate))
        await #expect(throws: (any Error).self) { try await call("certify", ["7F4900"]) }
    }

    @Test("a transcript reads the key, certifies it, signs and verifies every signature with the standard steps")
    func transcriptWithSteps() async throws {
        let card = ScriptedCard.miniToken(key: key)
        let runner = TranscriptRunner(channel: card, steps: steps, environment: ["PIN": "123456"])
        let result = try await runner.run(Transcript(parsing: """
            > 00 20 00 81 [${ascii:PIN}]
            < 9000
            > 00 47 81 01 00
            < 7F49 8188 818180 * 9000 =pubkey
            !certify ${pubkey} =certificate
            !sha256 7472616E73666572 =digest
            > 00 2A 9E 9A [3031300D060960864801650304020105000420 ${digest}] 00
            < * 9000 =signature
            !verify-digest ${pubkey} ${digest} ${signature}
            > 00 88 00 00 [0102030405060708] 00
            < * 9000 =login
            !verify-data ${pubkey} 0102030405060708 ${login}
            """))
        #expect(result.stepCount == 4)
        let captured = try #require(result.captures["certificate"])
        let certificate = try Certificate(der: try #require([UInt8](hex: captured)))
        #expect(certificate.publicKey == key.publicKey)

        // The same transcript with a signature from another key fails at the verify step.
        let impostor = ScriptedCard.miniToken(key: CryptoFixtures.otherToken)
        let failure = await #expect(throws: TranscriptFailure.self) {
            try await TranscriptRunner(channel: impostor, steps: steps, environment: ["PIN": "123456"]).run(Transcript(parsing: """
                > 00 47 81 01 00
                < * 9000
                !verify-data \(key.publicKey.publicKeyTemplate.hexString) 0102030405060708 ${login}
                """.replacingOccurrences(of: "${login}", with: CryptoFixtures.otherToken.sign(data: [1, 2, 3, 4, 5, 6, 7, 8]).hexString)))
        }
        #expect(failure?.line == 3)
        #expect(failure?.kind == .stepFailed("verify-data"))
    }
}
