import UKeyArguments
import UKeyTestCA
import ArgumentParser
import Foundation
import UKey

/// `ukey ca issue --dir DIR (--transfer --csr FILE --transfer-key PEM | --client-auth --csr FILE |
/// --server-auth --csr FILE --dns N --ip A | --decrypt --public-key PEM --subject DN)`: certifies
/// a token's transfer key (only the one the bank recorded from the card), an authentication key
/// (TLS client, also PIV), a test TLS server, or a token's decryption key (from its public key:
/// it never signs, so it has no CSR). Exactly one profile flag.
struct CAIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a certificate (PEM): a token's transfer, authentication or decryption key, or a TLS server.",
        discussion: """
            Give exactly one profile:
              --transfer     a token's transfer key: keyUsage digitalSignature, nonRepudiation; \
            extendedKeyUsage exactly the UKey transfer purpose (2.25.13589866819101286279216456001590437711), \
            the only certificate the bank trusts for transfers. The CSR (built by the card) is certified \
            only when its public key is the one in --transfer-key, recorded from the card with \
            `ukey token pubkey --key transfer`.
              --client-auth  an authentication key, e.g. the token's or a PIV key: keyUsage \
            digitalSignature, extendedKeyUsage clientAuth.
              --server-auth  a test TLS server: extendedKeyUsage serverAuth, subjectAltName from --dns and --ip.
              --decrypt      a token's decryption key: keyUsage keyEncipherment only, no extendedKeyUsage; \
            certifies --public-key under --subject (the decryption key never signs, so it has no CSR).
            Keys must be RSA.

            Examples:
              ukey token pubkey --key transfer > transfer.pem
              ukey ca issue --dir bank --transfer --csr token.csr --transfer-key transfer.pem --out token.pem
              ukey ca issue --dir bank --client-auth --csr piv-9a.csr --out piv-9a.pem
              ukey ca issue --dir bank --decrypt --public-key decrypt.pem --subject "CN=Zhang San, serialNumber=554B00000000002A"
              openssl req -new -newkey rsa:2048 -nodes -keyout server-key.pem -subj /CN=localhost -out server.csr
              ukey ca issue --dir bank --server-auth --csr server.csr --dns localhost --ip 127.0.0.1 --out server.pem
            """)

    @Option(help: "The CA's directory (from `ukey ca init`).", transform: AbsolutePath.file)
    var dir: String

    @Option(help: "The PKCS#10 request, PEM or DER (`-` for standard input); not with --decrypt.", transform: AbsolutePath.file)
    var csr: String?

    @Option(help: "Write the certificate here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @Option(help: "Validity in days.")
    var days = 365

    @Flag(help: "Certify a token's transfer key (the UKey transfer purpose); needs --transfer-key.")
    var transfer = false

    @Option(help: "The transfer public key (PEM) recorded from the card; the CSR's key must be this one.", transform: AbsolutePath.file)
    var transferKey: String?

    @Flag(help: "Issue a TLS client certificate (extendedKeyUsage clientAuth): an authentication or PIV key.")
    var clientAuth = false

    @Flag(help: "Issue a TLS server certificate (extendedKeyUsage serverAuth); names from --dns and --ip.")
    var serverAuth = false

    @Flag(help: "Certify a token's decryption key (keyUsage keyEncipherment only) from --public-key.")
    var decrypt = false

    @Option(help: "The decryption public key (PEM), with --decrypt.", transform: AbsolutePath.file)
    var publicKey: String?

    @Option(help: "The certificate's subject with --decrypt, e.g. \"CN=Zhang San, serialNumber=…\".")
    var subject: String?

    @Option(help: "A DNS name for the server certificate's subjectAltName (repeatable).")
    var dns: [String] = []

    @Option(help: "An IP address for the server certificate's subjectAltName (repeatable).")
    var ip: [String] = []

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// One profile flag, and the inputs that profile takes (and no others).
    func validate() throws {
        let chosen = [("--transfer", transfer), ("--client-auth", clientAuth), ("--server-auth", serverAuth),
                      ("--decrypt", decrypt)].filter(\.1).map(\.0)
        guard !chosen.isEmpty else {
            throw ValidationError("give one profile: --transfer, --client-auth, --server-auth or --decrypt")
        }
        guard chosen.count == 1 else {
            throw ValidationError("\(chosen.joined(separator: " and ")) exclude each other: give one profile")
        }
        if transfer && transferKey == nil {
            throw ValidationError("--transfer needs --transfer-key, the transfer public key recorded from the card")
        }
        if !transfer && transferKey != nil { throw ValidationError("--transfer-key goes with --transfer") }
        if decrypt {
            guard csr == nil else { throw ValidationError("--decrypt certifies --public-key, not a CSR: the decryption key never signs") }
            guard publicKey != nil, subject != nil else { throw ValidationError("--decrypt needs --public-key and --subject") }
        } else {
            guard csr != nil else { throw ValidationError("\(chosen[0]) needs --csr") }
            guard publicKey == nil, subject == nil else { throw ValidationError("--public-key and --subject go with --decrypt") }
        }
        if !serverAuth && (!dns.isEmpty || !ip.isEmpty) { throw ValidationError("--dns and --ip go with --server-auth") }
    }

    struct Result: Encodable {
        let subject: String
        let issuer: String
        let certificate: String
    }

    mutating func run() async throws {
        try await Output.run(json: json) {
            let ca = try TestCertificateAuthority(directory: URL(fileURLWithPath: dir))
            let certificate = try issue(ca)
            let pem = try certificate.pem()
            if let out {
                try Data(pem.utf8).write(to: URL(fileURLWithPath: out))
            }
            let result = Result(subject: certificate.subject, issuer: certificate.issuer, certificate: out ?? pem)
            if json || out != nil {
                try Output.emit(result, json: json) { "issued \"\($0.subject)\" by \"\($0.issuer)\": \($0.certificate)" }
            } else {
                print(pem, terminator: "")
            }
        }
    }

    /// The certificate the profile flags ask for (``validate()`` has checked the inputs).
    private func issue(_ ca: TestCertificateAuthority) throws -> Certificate {
        if decrypt, let publicKey, let subject {
            let key = try RSAPublicKey(pem: String(decoding: try Files.read(publicKey), as: UTF8.self))
            return try Certificate(der: ca.issue(for: key, subject: subject, days: days, profile: .decryption))
        }
        guard let csr else { throw CLIError("usage", "--csr is missing") }
        let request = try Self.readRequest(csr)
        if transfer, let transferKey {
            let recorded = try RSAPublicKey(pem: String(decoding: try Files.read(transferKey), as: UTF8.self))
            return try ca.issueTransferCertificate(for: request, recordedTransferKey: recorded, days: days)
        }
        let profile: CertificateProfile = serverAuth ? .tlsServer(dnsNames: dns, ipAddresses: ip) : .tlsClient
        return try ca.issue(for: request, days: days, profile: profile)
    }

    static func readRequest(_ path: String) throws -> CertificateSigningRequest {
        let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self)
        return text.contains("-----BEGIN") ? try CertificateSigningRequest(pem: text) : try CertificateSigningRequest(der: Array(data))
    }
}
