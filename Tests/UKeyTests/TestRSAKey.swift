import COpenSSL
import UKey

/// An RSA key pair generated in the test (`EVPKey.generateRSA`), standing in for a token's key:
/// it signs like the card (PKCS#1 v1.5 over a DigestInfo) so UKey's verification has something
/// real to accept or reject.
final class TestRSAKey: Sendable {
    let key: EVPKey
    let publicKey: RSAPublicKey

    init(bits: Int32 = 1024) throws {
        key = try EVPKey.generateRSA(bits: bits)
        // The public half through DER SubjectPublicKeyInfo, as another program would hand it over.
        publicKey = try RSAPublicKey(derSubjectPublicKeyInfo: try key.derSubjectPublicKeyInfo())
    }

    /// RSASSA-PKCS1-v1_5 signature of an encoded DigestInfo: what the banking applet's SIGN does.
    func signPKCS1(_ digestInfo: [UInt8]) -> [UInt8] {
        try! key.sign(digestInfo, padding: RSA_PKCS1_PADDING)
    }

    /// PKCS#1 v1.5 with SHA-256 over `data`.
    func sign(data: [UInt8]) -> [UInt8] {
        signPKCS1(DigestAlgorithm.sha256.digestInfo(of: data))
    }
}
