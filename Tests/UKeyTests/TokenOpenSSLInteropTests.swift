import Foundation
import Testing
import UKey

/// The token's outputs checked by the `openssl` command line, not by our own OpenSSL calls: the
/// CSR's self-signature, the certificate chain, a signed transfer and a cryptogram for DECIPHER.
@Suite("Token outputs verify with the openssl CLI")
struct TokenOpenSSLInteropTests {
    @Test("openssl req -verify accepts the card's CSR; openssl verify accepts its certificate")
    func requestAndCertificate() async throws {
        let directory = try OpenSSLWorkspace()
        let (token, _) = try TokenTests.factoryToken()
        try await token.changePIN(old: TokenTests.factoryPIN, new: TokenTests.pin)
        let transferKey = try await token.generateKey(.transfer)
        let request = try await token.certificateSigningRequest(for: .transfer, subject: "CN=Zhang San, O=UKey Test Bank")
        try directory.write("request.pem", try request.pem())
        let verify = try directory.openssl(["req", "-verify", "-noout", "-in", "request.pem"])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("verify OK") || verify.output.contains("Certificate request self-signature verify OK"))

        let certificate = try CryptoFixtures.bank.issueTransferCertificate(for: request, recordedTransferKey: transferKey)
        try directory.write("token.pem", try certificate.pem())
        try directory.write("ca.pem", try CryptoFixtures.bank.certificate.pem())
        let chain = try directory.openssl(["verify", "-CAfile", "ca.pem", "token.pem"])
        #expect(chain.status == 0 && chain.output.contains("token.pem: OK"), "\(chain.output)")
    }

    @Test("openssl dgst -verify accepts a transfer signature over the DTBS and refuses an altered DTBS")
    func transferSignature() async throws {
        let directory = try OpenSSLWorkspace()
        let (token, _, certificate) = try await TokenTests.personalizedToken()
        let signed = try await token.confirmTransfer(TokenTests.transfer, challenge: TokenTests.challenge)
        try directory.write("public.pem", try certificate.publicKey.pem())
        try directory.write("dtbs.der", signed.dtbs)
        try directory.write("signature.bin", signed.signature)
        let good = try directory.openssl(["dgst", "-sha256", "-verify", "public.pem", "-signature", "signature.bin", "dtbs.der"])
        #expect(good.status == 0 && good.output.contains("Verified OK"), "\(good.output)")

        var altered = signed.dtbs
        altered[altered.count - 1] ^= 0x01
        try directory.write("altered.der", altered)
        let bad = try directory.openssl(["dgst", "-sha256", "-verify", "public.pem", "-signature", "signature.bin", "altered.der"])
        #expect(bad.status != 0 && bad.output.contains("Verification failure"), "\(bad.output)")
    }

    @Test("DECIPHER returns what openssl pkeyutl encrypted for the card's decryption key")
    func decipher() async throws {
        let directory = try OpenSSLWorkspace()
        let (token, _, _) = try await TokenTests.personalizedToken()
        let decryptionKey = try await token.generateKey(.decryption)
        try directory.write("public.pem", try decryptionKey.pem())
        try directory.write("secret.txt", Array("session key 0123".utf8))
        let encrypt = try directory.openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", "public.pem",
                                             "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", "secret.txt", "-out", "cipher.bin"])
        #expect(encrypt.status == 0, "\(encrypt.output)")
        let plaintext = try await token.decipher(try directory.read("cipher.bin"), plaintextLength: 16)
        #expect(plaintext == Array("session key 0123".utf8))
    }
}

/// A temporary directory with files for the `openssl` CLI, removed when released.
final class OpenSSLWorkspace {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: url.appendingPathComponent(name))
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url.appendingPathComponent(name)))
    }

    /// Runs `openssl ARGS` in the directory; output is stdout and stderr together.
    func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Self.run(arguments, in: url)
    }

    /// Runs `openssl ARGS` (in `directory`, if given); output is stdout and stderr together.
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
