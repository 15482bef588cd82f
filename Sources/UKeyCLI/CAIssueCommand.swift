import ArgumentParser
import Foundation
import UKey

/// `ukey ca issue --dir DIR --csr FILE [--client-auth | --server-auth --dns N --ip A]`:
/// certifies the key of a PKCS#10 request whose self-signature verifies, under the request's
/// subject, for banking (the default), TLS client log-in (a PIV key) or a test TLS server.
struct CAIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a certificate (PEM) for a CSR: a banking key, a TLS client (PIV) or a TLS server.",
        discussion: """
            Without a flag the certificate is for a token's banking key (keyUsage digitalSignature, \
            nonRepudiation). --client-auth makes a TLS client certificate (keyUsage digitalSignature, \
            extendedKeyUsage clientAuth) for a PIV key; --server-auth a TLS server certificate \
            (extendedKeyUsage serverAuth, subjectAltName from --dns and --ip) for test servers.
            The request must hold an RSA key.

            Examples:
              ukey ca issue --dir bank --csr token.csr --out token.pem
              ukey ca issue --dir bank --csr piv-9a.csr --client-auth --out piv-9a.pem
              openssl req -new -newkey rsa:2048 -nodes -keyout server-key.pem -subj /CN=localhost -out server.csr
              ukey ca issue --dir bank --csr server.csr --server-auth --dns localhost --ip 127.0.0.1 --out server.pem
            """)

    @Option(help: "The CA's directory (from `ukey ca init`).")
    var dir: String

    @Option(help: "The PKCS#10 request, PEM or DER (`-` for standard input).")
    var csr: String

    @Option(help: "Write the certificate here instead of standard output.")
    var out: String?

    @Option(help: "Validity in days.")
    var days = 365

    @Flag(help: "Issue a TLS client certificate (extendedKeyUsage clientAuth), e.g. for a PIV key.")
    var clientAuth = false

    @Flag(help: "Issue a TLS server certificate (extendedKeyUsage serverAuth); names from --dns and --ip.")
    var serverAuth = false

    @Option(help: "A DNS name for the server certificate's subjectAltName (repeatable).")
    var dns: [String] = []

    @Option(help: "An IP address for the server certificate's subjectAltName (repeatable).")
    var ip: [String] = []

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The profile the flags ask for; names without --server-auth, or both kinds, are mistakes.
    func profile() throws -> CertificateProfile {
        switch (clientAuth, serverAuth) {
        case (true, true): throw CLIError("usage", "give --client-auth or --server-auth, not both")
        case (_, true): return .tlsServer(dnsNames: dns, ipAddresses: ip)
        case _ where !dns.isEmpty || !ip.isEmpty: throw CLIError("usage", "--dns and --ip go with --server-auth")
        case (true, _): return .tlsClient
        default: return .banking
        }
    }

    struct Result: Encodable {
        let subject: String
        let issuer: String
        let certificate: String
    }

    mutating func run() async throws {
        try await Output.run(json: json) {
            let profile = try profile()
            let ca = try TestCertificateAuthority(directory: URL(fileURLWithPath: dir))
            let request = try Self.readRequest(csr)
            let certificate = try ca.issue(for: request, days: days, profile: profile)
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

    static func readRequest(_ path: String) throws -> CertificateSigningRequest {
        let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self)
        return text.contains("-----BEGIN") ? try CertificateSigningRequest(pem: text) : try CertificateSigningRequest(der: Array(data))
    }
}
