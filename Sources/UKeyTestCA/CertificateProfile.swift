import UKey
import COpenSSL
import Foundation

/// What a leaf certificate of the ``TestCertificateAuthority`` is for, which decides its
/// extensions (RFC 5280 §4.2.1.3 keyUsage, §4.2.1.12 extKeyUsage, §4.2.1.6 subjectAltName).
///
/// - ``transfer``: a token's transfer key (keyUsage digitalSignature + nonRepudiation,
///   extendedKeyUsage exactly {``UKeyOID/transferConfirmation``}) — the only certificate
///   `TransferVerifier` trusts. Issued only for the transfer key the bank read from the card
///   (``TestCertificateAuthority/issueTransferCertificate(for:recordedTransferKey:days:)``).
/// - ``tlsClient``: an authentication key — the token's authentication key or a PIV key logging
///   in to a TLS site (digitalSignature, EKU clientAuth). TLS client authentication only signs,
///   so no keyEncipherment.
/// - ``decryption``: a token's decryption key (keyUsage keyEncipherment only, no EKU). It never
///   signs, so it is certified from its public key, never from a CSR.
/// - ``tlsServer(dnsNames:ipAddresses:)``: a test server (`openssl s_server`) for the TLS tests:
///   digitalSignature + keyEncipherment (RSA key exchange in TLS 1.2), EKU serverAuth, and the
///   names a client checks in subjectAltName.
public enum CertificateProfile: Hashable, Sendable {
    case transfer
    case tlsClient
    case decryption
    case tlsServer(dnsNames: [String], ipAddresses: [String])

    /// The `X509V3_EXT_conf_nid` extensions besides basicConstraints and the key identifiers.
    /// Throws for a server profile without names, or a name libcrypto's config syntax would
    /// misread (a comma or colon in a DNS name, an address `inet_pton` does not accept).
    package func extensions() throws(PKIError) -> [(Int32, String)] {
        switch self {
        case .transfer:
            return [(NID_key_usage, "critical,digitalSignature,nonRepudiation"),
                    (NID_ext_key_usage, UKeyOID.transferConfirmation)]
        case .tlsClient:
            return [(NID_key_usage, "critical,digitalSignature"), (NID_ext_key_usage, "clientAuth")]
        case .decryption:
            return [(NID_key_usage, "critical,keyEncipherment")]
        case .tlsServer(let dnsNames, let ipAddresses):
            guard !dnsNames.isEmpty || !ipAddresses.isEmpty else {
                throw .invalidInput("a TLS server certificate needs at least one DNS name or IP address")
            }
            for name in dnsNames where name.isEmpty || name.contains(where: { ",: \t\n".contains($0) }) {
                throw .invalidInput("\"\(name)\" is not a DNS name")
            }
            for address in ipAddresses where !Self.isIPAddress(address) {
                throw .invalidInput("\"\(address)\" is not an IPv4 or IPv6 address")
            }
            let names = dnsNames.map { "DNS:" + $0 } + ipAddresses.map { "IP:" + $0 }
            return [(NID_key_usage, "critical,digitalSignature,keyEncipherment"), (NID_ext_key_usage, "serverAuth"),
                    (NID_subject_alt_name, names.joined(separator: ","))]
        }
    }

    /// Whether `text` is a literal IPv4 or IPv6 address (`inet_pton`).
    static func isIPAddress(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }
}
