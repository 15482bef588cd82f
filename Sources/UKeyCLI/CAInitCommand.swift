import UKeyArguments
import UKeyTestCA
import ArgumentParser
import Foundation
import UKey

/// `ukey ca init --dir DIR`: a new CA key (RSA-2048, `ca-key.pem`, 0600) and self-signed
/// certificate (`ca-cert.pem`).
struct CAInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a test CA: DIR/ca-key.pem (0600) and DIR/ca-cert.pem.",
        discussion: "Example: ukey ca init --dir bank --subject \"CN=UKey Test CA, O=UKey Test Bank\"")

    @Option(help: "The CA's directory (created 0700 if missing).", transform: AbsolutePath.file)
    var dir: String

    @Option(help: "The CA's subject.")
    var subject = "CN=UKey Test CA, O=UKey Test Bank"

    @Option(help: "Validity in days.")
    var days = 3650

    @Flag(help: "Replace an existing CA in DIR.")
    var force = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Result: Encodable {
        let directory: String
        let subject: String
        let certificate: String
    }

    mutating func run() async throws {
        try await Output.run(json: json) {
            let directory = URL(fileURLWithPath: dir)
            let certificateFile = directory.appendingPathComponent(TestCertificateAuthority.certificateFileName)
            if !force, FileManager.default.fileExists(atPath: certificateFile.path) {
                throw CLIError("exists", "\(certificateFile.path) exists; --force replaces the CA")
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let ca = try TestCertificateAuthority(subject: subject, days: days)
            try ca.save(to: directory)
            let result = Result(directory: directory.path, subject: ca.certificate.subject, certificate: certificateFile.path)
            try Output.emit(result, json: json) { "CA \"\($0.subject)\" created: \($0.certificate)" }
        }
    }
}
