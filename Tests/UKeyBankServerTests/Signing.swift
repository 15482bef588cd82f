import COpenSSL
import Foundation
import ISO7816
import UKey
import UKeyBank
import UKeyTestCA

/// An RSA key made with EVP (`EVPKey.generateRSA`), standing in for a token's transfer key: it
/// signs like the card (PKCS#1 v1.5 with SHA-256 over the DTBS), so the server has real
/// signatures to verify.
final class SoftwareKey: Sendable {
    let key: EVPKey
    let publicKey: RSAPublicKey

    init(bits: Int32 = 1024) throws {
        key = try EVPKey.generateRSA(bits: bits)
        publicKey = try RSAPublicKey(derSubjectPublicKeyInfo: try key.derSubjectPublicKeyInfo())
    }

    func sign(data: [UInt8]) -> [UInt8] {
        try! key.sign(DigestAlgorithm.sha256.digestInfo(of: data), padding: RSA_PKCS1_PADDING)
    }
}

/// Keys and the CA the tests share (RSA key generation is the slow part).
enum ServerFixtures {
    static let ca = try! TestCertificateAuthority(subject: "CN=UKey Test CA, O=UKey Test Bank")
    static let key = try! SoftwareKey(bits: 1024)
    static let transfer = Transfer(payeeAccount: "DE89370400440532013000", payeeName: "Zhang San", amount: "100.00",
                                   currency: "CNY", reference: "Invoice 42")

    /// The serial of test token `n`: `55 4B` then `n` big-endian.
    static func serial(_ n: Int) -> [UInt8] {
        [0x55, 0x4B] + (0..<6).map { UInt8(truncatingIfNeeded: n >> (40 - 8 * $0)) }
    }
}

/// A token in software: one key, a certificate for its serial from the test CA, a counter.
final class SoftwareToken: @unchecked Sendable {
    let serial: [UInt8]
    let certificate: [UInt8]
    var counter: UInt32 = 0

    init(serial: [UInt8]) throws {
        self.serial = serial
        certificate = try ServerFixtures.ca.issue(for: ServerFixtures.key.publicKey,
                                                  subject: "CN=Test Holder, serialNumber=\(serial.hexString)", days: 365, profile: .transfer)
    }

    /// `70 { 80…84, 85 challenge, 86 serial, 87 counter }`, signed.
    func sign(_ issued: IssuedChallenge, counter: UInt32? = nil) throws -> SignedTransfer {
        self.counter = counter ?? self.counter + 1
        let value = self.counter
        let counterBytes = (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        let dtbs = TLV(tag: 0x70, children: issued.transfer.fields + [TLV(tag: 0x85, value: issued.challenge), TLV(tag: 0x86, value: serial),
                                                                      TLV(tag: 0x87, value: counterBytes)]).bytes
        return try SignedTransfer(dtbs: dtbs, signature: ServerFixtures.key.sign(data: dtbs), certificate: certificate)
    }
}

/// A bank directory in a fresh temporary folder with the test CA's certificate; removed when released.
final class TemporaryBank: @unchecked Sendable {
    let url: URL

    init(policy: BankPolicy? = nil) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-bank-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try ServerFixtures.ca.save(to: url)
        if let policy { try BankDirectory(url).savePolicy(policy) }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// JSON text of a value, as a client would send it.
func jsonText(_ value: some Encodable) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
}

/// A JSON object edited: `edit` gets the decoded dictionary.
func edited(_ json: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
    var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    edit(&object)
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
