@testable import UKey
import UKeyTestCA
import UKeyBank
import COpenSSL
import ISO7816

/// A token's transfer key in software: it builds a DTBS with any counter and signs it, under a
/// certificate with any usages the test asks for. It stands in for what a card cannot be made to
/// do on purpose (a restored copy's old counter, a counter far ahead, an authentication
/// certificate): the bank's checks only see bytes.
struct SoftwareTransferSigner: Sendable {
    let serial: [UInt8]
    let key: TestRSAKey
    /// The certificate (DER) presented with each signed transfer.
    let certificate: [UInt8]

    /// A signer whose certificate `ca` issues with `usages` (the transfer profile by default).
    init(serial: [UInt8] = BankFixtures.serialA, key: TestRSAKey = CryptoFixtures.token,
         ca: TestCertificateAuthority = CryptoFixtures.bank, usages: [(Int32, String)]? = nil) throws {
        self.serial = serial
        self.key = key
        let subject = "CN=Test Holder, serialNumber=\(serial.hexString)"
        certificate = try ca.issue(for: key.publicKey, subject: subject, days: 365,
                                   usages: usages ?? CertificateProfile.transfer.extensions())
    }

    /// `70 { 80…84, 85 challenge, 86 serial, 87 counter }` signed with PKCS#1 v1.5 / SHA-256.
    func sign(_ transfer: Transfer, challenge: [UInt8], counter: UInt32) throws -> SignedTransfer {
        let counterBytes = (0..<4).map { UInt8(truncatingIfNeeded: counter >> (24 - 8 * $0)) }
        let dtbs = TLV(tag: 0x70, children: transfer.fields + [TLV(tag: 0x85, value: challenge), TLV(tag: 0x86, value: serial),
                                                               TLV(tag: 0x87, value: counterBytes)]).bytes
        return try SignedTransfer(dtbs: dtbs, signature: key.sign(data: dtbs), certificate: certificate)
    }

    /// Signs the transfer an issued challenge was made for.
    func sign(_ issued: IssuedChallenge, counter: UInt32) throws -> SignedTransfer {
        try sign(issued.transfer, challenge: issued.challenge, counter: counter)
    }
}

/// A ``SoftwareTransferSigner`` that counts like a card: each confirmation signs with the next
/// counter (from 1), unless the test sets ``counter`` (a restored copy, a jump).
final class SoftwareToken {
    let signer: SoftwareTransferSigner
    /// The counter of the last signature.
    var counter: UInt32 = 0

    init(_ signer: SoftwareTransferSigner) {
        self.signer = signer
    }

    convenience init(serial: [UInt8] = BankFixtures.serialA) throws {
        self.init(try SoftwareTransferSigner(serial: serial))
    }

    /// Confirms the transfer an issued challenge was made for, with the next counter.
    func confirm(_ issued: IssuedChallenge) throws -> SignedTransfer {
        counter += 1
        return try signer.sign(issued, counter: counter)
    }
}
