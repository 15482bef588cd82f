import ArgumentParser
import Foundation
import UKey
import UKeyArguments

/// `ukey token sign [--digest HEX | FILE]`: RSA PKCS#1 v1.5 by the card.
struct TokenSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign data (hashed with SHA-256 here) or a precomputed digest with the token's key.",
        discussion: """
            Examples:
              ukey token sign contract.pdf --out contract.sig
              ukey token sign \\
                --digest 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
            """)

    @OptionGroup var input: DigestInput

    @Option(help: "Write the raw signature here; standard output gets it in hex.", transform: AbsolutePath.file)
    var out: String?

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    struct Result: Encodable {
        let reader: String
        let algorithm: String
        let digest: String
        let signature: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let hash = try input.hash()
            let algorithm = input.algorithm
            guard hash.count == algorithm.length else {
                throw CLIError("badDigest", "a \(algorithm.rawValue) digest has \(algorithm.length) bytes, not \(hash.count)")
            }
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let signature = try await found.token.sign(digest: hash, algorithm: algorithm)
                try output?.commit(Data(signature))
                let result = Result(reader: found.reader, algorithm: algorithm.rawValue, digest: hash.hexString, signature: signature.hexString)
                try Output.emit(result, json: options.json) { $0.signature }
            }
        }
    }
}

/// `ukey token decrypt FILE`: DECIPHER of an RSA PKCS#1 v1.5 cryptogram.
struct TokenDecryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt an RSA PKCS#1 v1.5 cryptogram made for the token's key.",
        discussion: "Example: openssl pkeyutl -encrypt -pubin -inkey token-pub.pem -in key.bin | ukey token decrypt - --length 32 --out key.bin")

    @Argument(help: "The cryptogram (binary; `-` for standard input).")
    var file: String

    @Option(help: "Write the plaintext here; else it goes to standard output (raw, or hex with --json).", transform: AbsolutePath.file)
    var out: String?

    @Option(help: ArgumentHelp(
        "The expected plaintext length in bytes, 1 to k - 11 (k: the key's size in bytes).",
        discussion: "The token always answers exactly this many bytes: for a cryptogram with bad padding or a plaintext of another length they are pseudo-random, not an error (no padding oracle). Default: 32, an AES-256 key."))
    var length: Int = 32

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    struct Result: Encodable {
        let reader: String
        let plaintext: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let ciphertext = Array(try Files.read(file))
            let output = try Files.reserve(out)
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let plaintext = try await found.token.decipher(ciphertext, plaintextLength: length)
                if let output {
                    try output.commit(Data(plaintext))
                } else if !options.json {
                    FileHandle.standardOutput.write(Data(plaintext))
                    return
                }
                try Output.emit(Result(reader: found.reader, plaintext: out ?? plaintext.hexString), json: options.json) {
                    "plaintext written to \($0.plaintext)"
                }
            }
        }
    }
}

/// `ukey token auth --challenge HEX`: INTERNAL AUTHENTICATE, the bank login.
struct TokenAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Sign a login challenge (INTERNAL AUTHENTICATE: SHA-256 of the challenge).",
        discussion: "Example: ukey token auth --challenge $(openssl rand -hex 16)")

    @Option(help: "The bank's challenge in hex, 8–64 bytes.")
    var challenge: String

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    struct Result: Encodable {
        let reader: String
        let challenge: String
        let signature: String
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            guard let bytes = [UInt8](hex: challenge) else { throw CLIError("badHex", "--challenge is not hex") }
            try await ReaderAccess.withToken(options, pin: pin) { found in
                let signature = try await found.token.internalAuthenticate(challenge: bytes)
                try Output.emit(Result(reader: found.reader, challenge: bytes.hexString, signature: signature.hexString), json: options.json) {
                    $0.signature
                }
            }
        }
    }
}
