import UKeyTestCA
import Foundation
import HostPlatform
import ISO7816
import Testing
import UKey
import UKeyInProcess

/// The host library's `Token` against the firmware in memory: every operation, every refusal
/// mapped to its `TokenError`.
@Suite("Token API over the in-process channel")
struct TokenTests {
    static let factoryPIN: Secret = "123456"
    static let pin: Secret = "24681357"
    static let puk: Secret = "87654321"
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07]

    static func factoryToken(confirmation: InProcessToken<MemoryNVM>.Confirmation = .approve) throws
        -> (Token, InProcessToken<MemoryNVM>) {
        let card = try InProcessToken.manufactured(serial: serial, pin: "123456", puk: "87654321", confirmation: confirmation)
        return (Token(channel: card), card)
    }

    /// A token personalized by `Token.personalize` with a certificate from `ca`.
    static func personalizedToken(ca: TestCertificateAuthority = CryptoFixtures.bank,
                                  confirmation: InProcessToken<MemoryNVM>.Confirmation = .approve) async throws
        -> (Token, InProcessToken<MemoryNVM>, Certificate) {
        let (token, card) = try factoryToken()
        let certificate = try await token.personalize(factoryPIN: factoryPIN, newPIN: pin, subject: "CN=Zhang San, O=UKey Test Bank") {
            request, transferKey in try ca.issueTransferCertificate(for: request, recordedTransferKey: transferKey)
        }
        _ = try await token.generateKey(.authentication)
        card.confirmation = confirmation
        return (token, card, certificate)
    }

    static let transfer = Transfer(payeeAccount: "6222020200112233", payeeName: "李四 Li Si", amount: "1234.56",
                                   currency: "CNY", reference: "Invoice 42")
    static let challenge: [UInt8] = Array(0x10..<0x30)

    @Test("a factory token: PIN must change, no keys, 3 and 3 tries, counters 0, 4×16 display")
    func factoryInfo() async throws {
        let (token, _) = try Self.factoryToken()
        let info = try await token.info()
        #expect(info.serial == "554B000000000107")
        #expect(info.pinMustChange)
        #expect(TokenKey.allCases.allSatisfy { info.state(of: $0) == .none })
        #expect(info.pinTriesLeft == 3 && info.pukTriesLeft == 3)
        #expect(info.transferCounter == 0 && info.authenticationCounter == 0)
        #expect(info.firmwareVersion == "2.0")
        #expect(info.displayLines == 4 && info.displayColumns == 16)
    }

    @Test("token info shows the PIN-entry policy: both by default, keypad-only when manufactured so")
    func pinEntryPolicy() async throws {
        let (token, _) = try Self.factoryToken()
        #expect(try await token.info().pinEntry == .both)
        let keypadOnly = try InProcessToken.manufactured(serial: Self.serial, pin: "123456", puk: "87654321", keypadOnly: true)
        #expect(try await Token(channel: keypadOnly).info().pinEntry == .keypadOnly)
        #expect(TokenInfo.PINEntryPolicy.keypadOnly.text == "keypad only")
    }

    @Test("before the factory PIN is changed, signing is refused as not personalized")
    func factoryPINCannotSign() async throws {
        let (token, _) = try Self.factoryToken()
        try await token.verifyPIN(Self.factoryPIN)
        await #expect(throws: TokenError.notPersonalized(.factoryPIN)) {
            try await token.sign(data: [1, 2, 3])
        }
    }

    @Test("wrong PINs count down to blocked; the PUK unblocks and leaves the PIN verified")
    func wrongPINsAndUnblock() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        await #expect(throws: TokenError.wrongPIN(triesLeft: 2)) { try await token.verifyPIN("000000") }
        await #expect(throws: TokenError.wrongPIN(triesLeft: 1)) { try await token.verifyPIN("000000") }
        await #expect(throws: TokenError.blocked) { try await token.verifyPIN("000000") }
        await #expect(throws: TokenError.blocked) { try await token.verifyPIN(Self.pin) }
        await #expect(throws: TokenError.wrongPUK(triesLeft: 2)) { try await token.unblockPIN(puk: "11111111", newPIN: "135790") }
        try await token.unblockPIN(puk: Self.puk, newPIN: "135790")
        #expect(try await token.isPINVerified())
        let info = try await token.info()
        #expect(info.pinTriesLeft == 3 && info.pukTriesLeft == 3)
        _ = try await token.sign(data: [1, 2, 3])
    }

    /// Three wrong PINs; each must fail as it should (two wrong PINs, then blocked), so that
    /// what follows starts from a blocked PIN (the tries were `try?` before: ignored).
    static func blockPIN(_ token: Token, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await #expect(throws: TokenError.wrongPIN(triesLeft: 2), sourceLocation: sourceLocation) { try await token.verifyPIN("000000") }
        await #expect(throws: TokenError.wrongPIN(triesLeft: 1), sourceLocation: sourceLocation) { try await token.verifyPIN("000000") }
        await #expect(throws: TokenError.blocked, sourceLocation: sourceLocation) { try await token.verifyPIN("000000") }
        try #require(try await token.info().pinTriesLeft == 0, "the PIN is blocked", sourceLocation: sourceLocation)
    }

    @Test("a wrong PUK counts the PUK's tries and a blocked PUK says so, in words that name the PUK")
    func pukErrors() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        try await Self.blockPIN(token)
        await #expect(throws: TokenError.wrongPUK(triesLeft: 2)) { try await token.unblockPIN(puk: "11111111", newPIN: "135790") }
        await #expect(throws: TokenError.wrongPUK(triesLeft: 1)) { try await token.unblockPIN(puk: "11111111", newPIN: "135790") }
        await #expect(throws: TokenError.pukBlocked) { try await token.unblockPIN(puk: "11111111", newPIN: "135790") }
        await #expect(throws: TokenError.pukBlocked) { try await token.unblockPIN(puk: Self.puk, newPIN: "135790") }
        #expect(TokenError.wrongPUK(triesLeft: 2).description == "wrong PUK: 2 tries left")
        #expect(TokenError.wrongPUK(triesLeft: 1).description == "wrong PUK: 1 try left")
        #expect(TokenError.pukBlocked.description.contains("PUK is blocked"))
        #expect(!TokenError.pukBlocked.description.contains("unblock it"))
        #expect(TokenError.wrongPUK(triesLeft: 2).code == "wrongPUK" && TokenError.pukBlocked.code == "pukBlocked")
    }

    @Test("a new PIN equal to the old one is refused, in CHANGE and UNBLOCK, without using a try")
    func newPINSameAsOld() async throws {
        let (factory, _) = try Self.factoryToken()
        await #expect(throws: TokenError.newPINSameAsOld) { try await factory.changePIN(old: Self.factoryPIN, new: Self.factoryPIN) }
        let factoryInfo = try await factory.info()
        #expect(factoryInfo.pinMustChange && factoryInfo.pinTriesLeft == 3, "the factory PIN still must change")
        let (token, _, _) = try await Self.personalizedToken()
        await #expect(throws: TokenError.newPINSameAsOld) { try await token.changePIN(old: Self.pin, new: Self.pin) }
        try await Self.blockPIN(token)
        await #expect(throws: TokenError.newPINSameAsOld) { try await token.unblockPIN(puk: Self.puk, newPIN: Self.pin) }
        let info = try await token.info()
        #expect(info.pinTriesLeft == 0 && info.pukTriesLeft == 3)
        #expect(TokenError.newPINSameAsOld.description == "the new PIN must differ from the old one; no try was used")
    }

    @Test("a PIN of the wrong format is refused without using a try")
    func pinFormat() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        await #expect(throws: TokenError.invalidPINFormat) { try await token.verifyPIN("12ab56") }
        await #expect(throws: TokenError.invalidPINFormat) { try await token.verifyPIN("123") }
        #expect(try await token.info().pinTriesLeft == 3)
    }

    @Test("after a reset the PIN must be verified again")
    func resetClearsPIN() async throws {
        let (token, card, _) = try await Self.personalizedToken()
        card.reset()
        #expect(try await token.isPINVerified() == false)
        await #expect(throws: TokenError.pinNotVerified) { try await token.sign(data: [1]) }
        try await token.verifyPIN(Self.pin)
        _ = try await token.sign(data: [1])
    }

    @Test("personalize: the card builds and signs the CSR, naming its serial; the certificate is stored", arguments: [
        TokenKey.transfer, .authentication,
    ])
    func personalization(key: TokenKey) async throws {
        let (token, _) = try Self.factoryToken()
        try await token.changePIN(old: Self.factoryPIN, new: Self.pin)
        await #expect(throws: TokenError.notPersonalized(.noBankingKey(key))) { try await token.publicKey(key) }
        let publicKey = try await token.generateKey(key)
        #expect(publicKey.bitCount == 1024)
        #expect(try await token.publicKey(key) == publicKey)
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await token.certificate(key) }
        let request = try await token.certificateSigningRequest(for: key, subject: "CN=Zhang San, O=UKey Test Bank")
        #expect(request.isSignatureValid)
        #expect(request.publicKey == publicKey)
        #expect(request.subject == "CN=Zhang San, O=UKey Test Bank, serialNumber=554B000000000107")
        let certificate = key == .transfer
            ? try CryptoFixtures.bank.issueTransferCertificate(for: request, recordedTransferKey: publicKey)
            : try CryptoFixtures.bank.issue(for: request, profile: .tlsClient)
        try await token.putCertificate(certificate, for: key)
        #expect(try await token.certificate(key) == certificate)
        let info = try await token.info()
        #expect(info.state(of: key) == .rsa1024 && !info.pinMustChange)
        #expect(info.transferCounter == 0 && info.authenticationCounter == 0, "a card-built request moves no counter")
        for other in TokenKey.allCases where other != key {
            #expect(info.state(of: other) == .none, "generating \(key) made no \(other) key")
        }
    }

    @Test("a request names no serialNumber of the host's, and the decryption key has none")
    func requestRefusals() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        await #expect(throws: TokenError.self) {
            try await token.certificateSigningRequest(for: .transfer, subject: "CN=X, serialNumber=0000000000000001")
        }
        _ = try await token.generateKey(.decryption)
        await #expect(throws: TokenError.self) { try await token.certificateSigningRequest(for: .decryption, subject: "CN=X") }
    }

    @Test("a new transfer key needs the holder's OK; Cancel keeps the old key and its certificate")
    func transferKeyNeedsOK() async throws {
        let (token, card, certificate) = try await Self.personalizedToken(confirmation: .deny)
        let before = try await token.publicKey(.transfer)
        await #expect(throws: TokenError.userDenied) { try await token.generateKey(.transfer) }
        #expect(try await token.publicKey(.transfer) == before)
        #expect(try await token.certificate(.transfer) == certificate)
        card.confirmation = .approve
        #expect(try await token.generateKey(.transfer) != before)
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) { try await token.certificate(.transfer) }
    }

    @Test("the card refuses a certificate for another key")
    func foreignCertificate() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        let other = try Certificate(der: CryptoFixtures.bank.issue(for: CryptoFixtures.otherToken.publicKey, subject: "CN=Other"))
        for key in TokenKey.allCases {
            await #expect(throws: TokenError.self) { try await token.putCertificate(other, for: key) }
        }
    }

    @Test("confirmTransfer returns the DTBS the card showed, signed, with the certificate")
    func confirmTransfer() async throws {
        let (token, _, certificate) = try await Self.personalizedToken()
        let before = try await token.info().transferCounter
        let signed = try await token.confirmTransfer(Self.transfer, challenge: Self.challenge)
        #expect(signed.transfer == Self.transfer)
        #expect(signed.challenge == Self.challenge)
        #expect(signed.tokenSerial == Self.serial)
        #expect(signed.counter == before + 1)
        #expect(signed.certificate == certificate.der)
        #expect(certificate.publicKey.verify(signature: signed.signature, data: signed.dtbs))

        let again = try await token.confirmTransfer(Self.transfer, challenge: Self.challenge)
        #expect(again.counter == signed.counter + 1, "the counter never repeats")

        let json = try JSONEncoder().encode(signed)
        #expect(try JSONDecoder().decode(SignedTransfer.self, from: json) == signed)
    }

    @Test("an edited SignedTransfer JSON does not decode")
    func editedJSON() async throws {
        let (token, _, _) = try await Self.personalizedToken()
        let signed = try await token.confirmTransfer(Self.transfer, challenge: Self.challenge)
        let text = String(decoding: try JSONEncoder().encode(signed), as: UTF8.self)
        let edited = text.replacingOccurrences(of: "1234.56", with: "9234.56")
        #expect(edited != text)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(SignedTransfer.self, from: Data(edited.utf8)) }
    }

    @Test("Cancel on the token: userDenied, and the counter does not move")
    func denied() async throws {
        let (token, _, _) = try await Self.personalizedToken(confirmation: .deny)
        let before = try await token.info().transferCounter
        await #expect(throws: TokenError.userDenied) {
            try await token.confirmTransfer(Self.transfer, challenge: Self.challenge)
        }
        #expect(try await token.info().transferCounter == before)
    }

    @Test("a transfer the card finds deceptive is refused as invalid input", arguments: [
        Transfer(payeeAccount: "6222\u{202E}0202", payeeName: "Li Si", amount: "1.00", currency: "CNY"),
        Transfer(payeeAccount: "6222020200112233", payeeName: "Li Si", amount: "0", currency: "CNY"),
        Transfer(payeeAccount: "6222020200112233", payeeName: "Li Si", amount: "1.5", currency: "cny"),
    ])
    func deceptive(transfer: Transfer) async throws {
        let (token, _, _) = try await Self.personalizedToken()
        await #expect(throws: TokenError.self) { try await token.confirmTransfer(transfer, challenge: Self.challenge) }
    }

    @Test("a token without a certificate does not show the transfer")
    func noCertificate() async throws {
        let (token, _) = try Self.factoryToken()
        try await token.changePIN(old: Self.factoryPIN, new: Self.pin)
        _ = try await token.generateKey(.transfer)
        await #expect(throws: TokenError.notPersonalized(.noCertificate)) {
            try await token.confirmTransfer(Self.transfer, challenge: Self.challenge)
        }
    }

    @Test("sign and internal authenticate use the authentication key and its counter; random bytes")
    func signing() async throws {
        let (token, _, transferCertificate) = try await Self.personalizedToken()
        let certificate = try CryptoFixtures.bank.issue(for: try await token.certificateSigningRequest(for: .authentication, subject: "CN=Login"), profile: .tlsClient)
        let digest = DigestAlgorithm.sha256.hash(Array("pay".utf8))
        let signature = try await token.sign(digest: digest)
        #expect(certificate.publicKey.verify(signature: signature, digest: digest, algorithm: .sha256))
        let sha1 = DigestAlgorithm.sha1.hash(Array("pay".utf8))
        #expect(certificate.publicKey.verify(signature: try await token.sign(digest: sha1, algorithm: .sha1), digest: sha1, algorithm: .sha1))
        await #expect(throws: TokenError.invalidInput("a sha256 digest has 32 bytes, not 3")) { try await token.sign(digest: [1, 2, 3]) }
        let login = Array(repeating: UInt8(7), count: 16)
        #expect(certificate.publicKey.verify(signature: try await token.internalAuthenticate(challenge: login), data: login))
        let probe = DigestAlgorithm.sha256.hash(Array("probe".utf8))
        #expect(!transferCertificate.publicKey.verify(signature: try await token.sign(digest: probe), digest: probe, algorithm: .sha256),
                "SIGN never uses the transfer key")
        let info = try await token.info()
        #expect(info.authenticationCounter == 4 && info.transferCounter == 0, "SIGN and INTERNAL AUTHENTICATE count apart")
        let random = try await token.randomBytes(count: 32)
        let another = try await token.randomBytes(count: 32)
        #expect(random.count == 32 && random != another)
    }

    @Test("a card without the banking applet is not a token")
    func notAToken() async throws {
        let token = Token(channel: ScriptedCard { _ in [0x6A, 0x82] })
        await #expect(throws: TokenError.noToken) { try await token.info() }
    }

    @Test("secrets print as dots")
    func secretDescription() {
        let secret: Secret = "24681357"
        #expect("\(secret)" == "••••••••")
        #expect(String(reflecting: secret) == "Secret(••••••••)")
    }
}
