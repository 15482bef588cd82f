import UKeyTestCA
import UKey

/// Keys and CAs shared by the crypto tests: RSA key generation is the slow part, so each is made
/// once per test process.
enum CryptoFixtures {
    static let bank = try! TestCertificateAuthority(subject: "CN=UKey Test CA, O=UKey Test Bank")
    static let otherBank = try! TestCertificateAuthority(subject: "CN=UKey Test CA, O=Another Bank")
    static let token = try! TestRSAKey(bits: 1024)
    static let otherToken = try! TestRSAKey(bits: 1024)
}
