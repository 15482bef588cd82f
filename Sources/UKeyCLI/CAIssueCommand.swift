import ArgumentParser
import Foundation
import UKey

/// `ukey ca issue --dir DIR --csr FILE`: certifies the key of a PKCS#10 request whose
/// self-signature verifies, under the request's subject.
struct CAIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a certificate (PEM) for a CSR made by a token.",
        discussion: "Example: ukey ca issue --dir bank --csr token.csr --out token.pem")

    @Option(help: "The CA's directory (from `ukey ca init`).")
    var dir: String

    @Option(help: "The PKCS#10 request, PEM or DER (`-` for standard input).")
    var csr: String

    @Option(help: "Write the certificate here instead of standard output.")
    var out: String?

    @Option(help: "Validity in days.")
    var days = 365

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Result: Encodable {
        let subject: String
        let issuer: String
        let certificate: String
    }

    mutating func run() async throws {
        try await Output.run(json: json) {
            let ca = try TestCertificateAuthority(directory: URL(fileURLWithPath: dir))
            let request = try Self.readRequest(csr)
            let certificate = try ca.issue(for: request, days: days)
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
