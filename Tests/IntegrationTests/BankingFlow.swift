import UKeyTestCA
import UKeyBank
import Foundation
import Testing
import UKey

/// The whole banking flow the host library exists for, on any channel: personalize a factory
/// token, have the bank issue a challenge, confirm the transfer on the token, verify it as the
/// bank, and see a replay rejected. The in-process and the pcscd tests run this same code.
struct BankingFlow {
    let token: Token
    let factoryPIN: Secret
    /// Presses OK on the token while `confirmTransfer` waits (the holder).
    let pressOK: @Sendable () async throws -> Void

    static let pin: Secret = "24681357"
    static let transfer = Transfer(payeeAccount: "6222020200112233", payeeName: "李四 Li Si", amount: "1234.56",
                                   currency: "CNY", reference: "Invoice 42")

    /// Runs the flow in a fresh bank directory; returns the accepted signed transfer.
    @discardableResult
    func run() async throws -> SignedTransfer {
        let bankDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bank-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: bankDirectory) }
        try FileManager.default.createDirectory(at: bankDirectory, withIntermediateDirectories: true)
        let ca = try TestCertificateAuthority()
        try ca.save(to: bankDirectory)

        let before = try await token.info()
        #expect(before.pinMustChange, "a factory token")
        // A new transfer key needs the holder's OK on the token.
        async let keyApproved: Void = pressOK()
        let certificate = try await token.personalize(factoryPIN: factoryPIN, newPIN: Self.pin,
                                                      subject: "CN=Zhang San, O=UKey Test Bank") { request, transferKey in
            #expect(request.isSignatureValid, "the card signed its CSR")
            #expect(request.publicKey == transferKey, "the card's request is for its transfer key")
            return try ca.issueTransferCertificate(for: request, recordedTransferKey: transferKey)
        }
        try await keyApproved
        #expect(try await token.certificate(.transfer) == certificate)
        let info = try await token.info()
        #expect(info.transferKey == .rsa1024 && info.authenticationKey == TokenInfo.KeyState.none && !info.pinMustChange)
        #expect(certificate.subject.contains("serialNumber=\(info.serial)"))

        let verifier = try TransferVerifier(directory: bankDirectory)
        let issued = try verifier.issueChallenge(for: Self.transfer)
        let signed = try await confirm(Self.transfer, challenge: issued.challenge)
        #expect(signed.transfer == Self.transfer)
        #expect(signed.counter == info.transferCounter + 1)
        #expect(certificate.publicKey.verify(signature: signed.signature, data: signed.dtbs), "OpenSSL verifies the DTBS signature")

        let verdict = try verifier.verify(json: Array(try JSONEncoder().encode(signed)))
        #expect(verdict.isAccepted, "the bank accepts: \(verdict)")
        let replay = try verifier.verify(signed)
        #expect(replay.rejection == .challengeReused, "a replayed copy is rejected: \(replay)")

        // An altered amount is refused with its specific reason.
        let second = try verifier.issueChallenge(for: Self.transfer)
        var altered = Self.transfer
        altered.amount = "9234.56"
        let signedAltered = try await confirm(altered, challenge: second.challenge)
        #expect(try verifier.verify(signedAltered).rejection == .fieldsDiffer(.amount))
        return signed
    }

    /// confirmTransfer while the holder presses OK.
    func confirm(_ transfer: Transfer, challenge: [UInt8]) async throws -> SignedTransfer {
        async let pressed: Void = pressOK()
        let signed = try await token.confirmTransfer(transfer, challenge: challenge)
        try await pressed
        return signed
    }
}
