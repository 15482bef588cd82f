import Foundation
import PCSCTestSupport
import Testing

/// `ukey token decrypt` (DECIPHER) of cryptograms made by `openssl pkeyutl -encrypt`, through
/// pcscd and our driver in each exchange mode of the emulator. At T=0 (`--exchange tpdu-t0`) the
/// driver sends a case 4 command as case 3 and then GET RESPONSE, so the card never sees Le: the
/// host library puts the plaintext length Ne in the command data too (docs/ARCHITECTURE.md, "TPDU
/// level and T=0, the card's side"). With Ne only in Le, the T=0 card answered 6700.
@Suite("ukey token decrypt through pcscd and our driver, in each exchange mode", .serialized, .enabled(if: PCSCTestStack.available))
struct DecryptCLITests {
    static let secret = Array("session key 0123".utf8)

    @Test("an openssl-encrypted cryptogram decrypts to its plaintext, RSA-1024 and RSA-2048 (a chained DECIPHER)",
          arguments: ["tpdu-t0", "tpdu", "apdu"])
    func decryptsOpenSSLCryptogram(exchange: String) async throws {
        let stack = try await PCSCTestStack.started(exchange: exchange)
        defer { stack.stop() }
        let session = try CLISession(stack: stack)
        defer { session.remove() }
        let pin = ["UKEY_PIN": CLISession.pin]
        try await PCSCTestStack.blocking {
            try Data(Self.secret).write(to: URL(fileURLWithPath: session.file("secret.bin")))
            let changed = try session.run("pin-change", ["token", "pin", "change"] + CLISession.onToken,
                                          secrets: ["UKEY_PIN": CLISession.factoryPIN, "UKEY_NEW_PIN": CLISession.pin])
            try #require(changed.status == 0, "the factory PIN was changed: \(changed)")
            for algorithm in ["RSA-1024", "RSA-2048"] {
                let made = try session.run("keygen", ["token", "keygen", "--key", "decrypt", "--algorithm", algorithm]
                                           + CLISession.onToken, secrets: pin)
                try #require(made.status == 0, "\(algorithm) decryption key generated: \(made)")
                let exported = try session.run("pubkey", ["token", "pubkey", "--key", "decrypt", "--out", session.file("public.pem")]
                                               + CLISession.onToken)
                try #require(exported.status == 0, "\(exported)")
                let encrypted = try TestProcess.run(["/usr/bin/openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", session.file("public.pem"),
                                                     "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", session.file("secret.bin"),
                                                     "-out", session.file("cipher.bin")])
                try #require(encrypted.status == 0, "\(encrypted)")
                let decrypted = try session.run("decrypt", ["token", "decrypt", session.file("cipher.bin"), "--length", "16",
                                                            "--out", session.file("plain.bin")] + CLISession.onToken, secrets: pin)
                #expect(decrypted.status == 0, "DECIPHER with --exchange \(exchange), \(algorithm): \(decrypted)")
                let plaintext = try? Data(contentsOf: URL(fileURLWithPath: session.file("plain.bin")))
                #expect(plaintext.map(Array.init) == Self.secret, "--exchange \(exchange), \(algorithm): the plaintext openssl encrypted")
                try? FileManager.default.removeItem(atPath: session.file("plain.bin"))
            }
        }
    }
}
