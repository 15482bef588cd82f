import ArgumentParser
import Foundation
import UKey
import UKeyArguments

extension KeyAlgorithm: ExpressibleByArgument {
    /// `RSA-2048`, `rsa2048` or `rsa-2048`.
    public init?(argument: String) {
        let wanted = argument.uppercased().replacingOccurrences(of: "-", with: "")
        guard let match = Self.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "-", with: "") == wanted }) else { return nil }
        self = match
    }
}

extension TokenKey: ExpressibleByArgument {
    /// `transfer`, `auth` (or `authentication`), `decrypt` (or `decryption`).
    public init?(argument: String) {
        switch argument.lowercased() {
        case "transfer": self = .transfer
        case "auth", "authentication": self = .authentication
        case "decrypt", "decryption": self = .decryption
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["transfer", "auth", "decrypt"] }
}

/// The `--key` option of the key and certificate commands: every command names its key.
struct KeyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Which key: transfer (signs only transfers confirmed on the token), auth (SIGN, INTERNAL AUTHENTICATE), decrypt (DECIPHER).",
                               valueName: "transfer|auth|decrypt"))
    var key: TokenKey
}

/// What keygen and pubkey print: the key in PEM and its size.
struct PublicKeyResult: Encodable {
    let reader: String
    let key: TokenKey
    let bits: Int
    let publicKey: String

    init(reader: String, key: TokenKey, publicKey: RSAPublicKey) throws {
        self.reader = reader
        self.key = key
        bits = publicKey.bitCount
        self.publicKey = try publicKey.pem()
    }
}

/// `ukey token keygen --key K [--algorithm RSA-1024|RSA-2048]`.
struct TokenKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate one of the token's key pairs on the card (replaces that key, deletes its certificate).",
        discussion: "A new transfer key needs the holder's OK on the token.")

    @OptionGroup var key: KeyOption

    @Option(help: "RSA-1024 (the banking default) or RSA-2048.")
    var algorithm: KeyAlgorithm = .rsa1024

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let result = try PublicKeyResult(reader: found.reader, key: key.key,
                                                 publicKey: try await found.token.generateKey(key.key, algorithm: algorithm))
                try Output.emit(result, json: options.json) { $0.publicKey.trimmingCharacters(in: .newlines) }
            }
        }
    }
}

/// `ukey token pubkey --key K`.
struct TokenPubkeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey", abstract: "Print one of the token's public keys (PEM).",
        discussion: "A bank records the transfer key read here at personalization: `ukey ca issue --transfer --transfer-key FILE` certifies that key only.")

    @OptionGroup var key: KeyOption

    @Option(help: "Write the key (PEM) here instead of standard output.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options) { found in
                let result = try PublicKeyResult(reader: found.reader, key: key.key, publicKey: try await found.token.publicKey(key.key))
                try output?.commit(result.publicKey)
                try Output.emit(result, json: options.json) { result in
                    out.map { "\(result.key.rawValue) key (\(result.bits) bits) written to \($0)" }
                        ?? result.publicKey.trimmingCharacters(in: .newlines)
                }
            }
        }
    }
}

/// `ukey token csr --key K --subject S [--out FILE]`: a PKCS#10 request built and signed by the card.
struct TokenCSRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr",
        abstract: "Have the token build and sign a certificate request (PEM) for its transfer or auth key.",
        discussion: "The card adds its serial to the subject as serialNumber, and its own public key. The decryption key never signs: certify its public key (token pubkey --key decrypt).")

    @OptionGroup var key: KeyOption

    @Option(help: "The subject, CN=…, O=… (without serialNumber: the card adds its own).")
    var subject: String

    @Option(help: "Write the request here instead of standard output.", transform: AbsolutePath.file)
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
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let request = try await found.token.certificateSigningRequest(for: key.key, subject: subject)
                let pem = try request.pem()
                try output?.commit(pem)
                let result = Result(reader: found.reader, subject: request.subject, request: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "request for \"\(result.subject)\" written to \(result.request)"
                }
            }
        }
    }
}

/// `ukey token cert put --key K FILE`.
struct TokenCertPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a certificate (PEM or DER) on the token; it must be for the named key.")

    @OptionGroup var key: KeyOption

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
                try await found.token.putCertificate(certificate, for: key.key)
                let result = Result(reader: found.reader, subject: certificate.subject, issuer: certificate.issuer)
                try Output.emit(result, json: options.json) { "stored certificate \"\($0.subject)\" issued by \"\($0.issuer)\"" }
            }
        }
    }
}

/// `ukey token cert get --key K [--out FILE]`.
struct TokenCertGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the certificate of one of the token's keys (PEM).")

    @OptionGroup var key: KeyOption

    @Option(help: "Write the certificate here instead of standard output.", transform: AbsolutePath.file)
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
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options) { found in
                let certificate = try await found.token.certificate(key.key)
                let pem = try certificate.pem()
                try output?.commit(pem)
                let result = Result(reader: found.reader, subject: certificate.subject, issuer: certificate.issuer, certificate: out ?? pem)
                try Output.emit(result, json: options.json) { result in
                    out == nil ? pem.trimmingCharacters(in: .newlines) : "certificate \"\(result.subject)\" written to \(result.certificate)"
                }
            }
        }
    }
}
