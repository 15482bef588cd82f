import ArgumentParser
import Foundation
import UKey

extension KeyAlgorithm: ExpressibleByArgument {
    /// `RSA-2048`, `rsa2048` or `rsa-2048`.
    public init?(argument: String) {
        let wanted = argument.uppercased().replacingOccurrences(of: "-", with: "")
        guard let match = Self.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "-", with: "") == wanted }) else { return nil }
        self = match
    }
}

/// What keygen and pubkey print: the key in PEM and its size.
struct PublicKeyResult: Encodable {
    let reader: String
    let bits: Int
    let publicKey: String

    init(reader: String, key: RSAPublicKey) throws {
        self.reader = reader
        bits = key.bitCount
        publicKey = try key.pem()
    }
}

/// `ukey token keygen [--algorithm RSA-1024|RSA-2048]`.
struct TokenKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate the token's key pair on the card (replaces the key, clears the certificate).")

    @Option(help: "RSA-1024 (the banking default) or RSA-2048.")
    var algorithm: KeyAlgorithm = .rsa1024

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let result = try PublicKeyResult(reader: found.reader, key: try await found.token.generateKey(algorithm))
                try Output.emit(result, json: options.json) { $0.publicKey.trimmingCharacters(in: .newlines) }
            }
        }
    }
}

/// `ukey token pubkey`.
struct TokenPubkeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pubkey", abstract: "Print the token's public key (PEM).")

    @OptionGroup var options: CommonOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                let result = try PublicKeyResult(reader: found.reader, key: try await found.token.publicKey())
                try Output.emit(result, json: options.json) { $0.publicKey.trimmingCharacters(in: .newlines) }
            }
        }
    }
}

/// `ukey token csr --subject S [--out FILE]`: a PKCS#10 request signed by the card.
struct TokenCSRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Make a certificate request (PEM) signed by the token's key.",
        discussion: "The token's serial is added to the subject as serialNumber unless the subject has one.")

    @Option(help: "The subject, CN=…, O=….")
    var subject: String

    @Option(help: "Write the request here instead of standard output.")
    var out: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    struct Result: Encodable {
        let reader: String
        let subject: String
        let request: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let request = try await found.token.certificateSigningRequest(subject: subject)
                let pem = try request.pem()
                try Files.write(pem, to: out)
                let result = Result(reader: found.reader, subject: request.subject, request: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "request for \"\(result.subject)\" written to \(result.request)"
                }
            }
        }
    }
}

/// `ukey token cert put FILE`.
struct TokenCertPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a certificate (PEM or DER) on the token; it must be for the token's key.")

    @Argument(help: "The certificate file (`-` for standard input).")
    var file: String

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    struct Result: Encodable {
        let reader: String
        let subject: String
        let issuer: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let certificate = try Files.certificate(file)
            try await ReaderAccess.withToken(options, pin: pin) { found in
                try await found.token.putCertificate(certificate)
                let result = Result(reader: found.reader, subject: certificate.subject, issuer: certificate.issuer)
                try Output.emit(result, json: options.json) { "stored certificate \"\($0.subject)\" issued by \"\($0.issuer)\"" }
            }
        }
    }
}

/// `ukey token cert get [--out FILE]`.
struct TokenCertGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the token's certificate (PEM).")

    @Option(help: "Write the certificate here instead of standard output.")
    var out: String?

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        let reader: String
        let subject: String
        let issuer: String
        let certificate: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                let certificate = try await found.token.certificate()
                let pem = try certificate.pem()
                try Files.write(pem, to: out)
                let result = Result(reader: found.reader, subject: certificate.subject, issuer: certificate.issuer, certificate: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "certificate \"\(result.subject)\" written to \(result.certificate)"
                }
            }
        }
    }
}
