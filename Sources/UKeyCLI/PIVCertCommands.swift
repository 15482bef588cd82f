import ArgumentParser
import Foundation
import UKey
import UKeyArguments

/// What the certificate commands print.
struct PIVCertificateResult: Encodable {
    let reader: String
    let slot: String
    let subject: String?
    let issuer: String?
    var certificate: String? = nil
}

/// `ukey piv cert put --slot 9a FILE`: PUT DATA of the slot's certificate (PEM or DER).
struct PIVCertPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a certificate (PEM or DER) in a slot (needs the management key).",
        discussion: "Example: ukey piv cert put --slot 9a 9a.pem --management-key-fd 3 3<mgm.hex")

    @OptionGroup var slot: PIVSlotOptions

    @Argument(help: "The certificate file (`-` for standard input).")
    var file: String

    @OptionGroup var options: CommonOptions
    @OptionGroup var managementKey: ManagementKeyOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let certificate = try Files.certificate(file)
            let key = try managementKey.read()
            try await ReaderAccess.withPIV(options) { reader, piv in
                try await piv.putCertificate(certificate, slot: slot.slot, managementKey: key)
                let result = PIVCertificateResult(reader: reader, slot: slot.slot.hex, subject: certificate.subject, issuer: certificate.issuer)
                try Output.emit(result, json: options.json) { "stored certificate \"\($0.subject ?? "")\" in slot \($0.slot)" }
            }
        }
    }
}

/// `ukey piv cert get --slot 9a [--out FILE]`.
struct PIVCertGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print a slot's certificate (PEM).",
        discussion: "Example: ukey piv cert get --slot 9a --out 9a.pem")

    @OptionGroup var slot: PIVSlotOptions

    @Option(help: "Write the certificate here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let output = try Files.reserve(out)
            try await ReaderAccess.withPIV(options) { reader, piv in
                let certificate = try await piv.certificate(slot: slot.slot)
                let pem = try certificate.pem()
                try output?.commit(pem)
                let result = PIVCertificateResult(reader: reader, slot: slot.slot.hex, subject: certificate.subject,
                                                  issuer: certificate.issuer, certificate: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "certificate \"\(result.subject ?? "")\" written to \(out!)"
                }
            }
        }
    }
}

/// `ukey piv cert delete --slot 9a`: PUT DATA `53 00`; the key stays.
struct PIVCertDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a slot's certificate (needs the management key); the key stays.",
        discussion: "Example: ukey piv cert delete --slot 9a --management-key-fd 3 3<mgm.hex")

    @OptionGroup var slot: PIVSlotOptions
    @OptionGroup var options: CommonOptions
    @OptionGroup var managementKey: ManagementKeyOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let key = try managementKey.read()
            try await ReaderAccess.withPIV(options) { reader, piv in
                try await piv.deleteCertificate(slot: slot.slot, managementKey: key)
                let result = PIVCertificateResult(reader: reader, slot: slot.slot.hex, subject: nil, issuer: nil)
                try Output.emit(result, json: options.json) { "deleted the certificate of slot \($0.slot)" }
            }
        }
    }
}
