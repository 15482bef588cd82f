import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// OpenSC's pkcs11-tool through opensc-pkcs11.so. The PIN reaches it as `--pin env:PIV_PIN`
    /// (pkcs11-tool 0.23 reads `env:NAME`); its prompt cannot be fed through standard input
    /// (util_getpass needs a terminal on stdout), so `--login` alone would fail here.
    @Suite struct PKCS11Tool {
        static func pkcs11Tool(_ stack: PIVStack, _ arguments: [String], timeout: Double = 120) throws -> TestProcess.Output {
            try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11] + arguments,
                          environment: ["PIV_PIN": PIVStack.pivPIN], timeout: timeout)
        }

        /// `-L` lists the token, and its serial number is the token serial (the CHUID GUID).
        @Test func listsTheSlotWithTheTokenSerial() async throws {
            try await withToken { stack, provisioning in
                let output = try Self.pkcs11Tool(stack, ["-L"])
                #expect(output.status == 0, "\(output)")
                #expect(output.stdout.contains(stack.reader), "\(output)")
                let serial = try #require(Self.serial(in: output.stdout), "no serial num in:\n\(output)")
                #expect(serial.lowercased() == provisioning.tokenSerial.lowercased(),
                        "PKCS#11 serial \(serial), ukey token info \(provisioning.tokenSerial)")
            }
        }

        /// `-O` shows the 9A certificate with the subject the test CA gave it, and its key.
        @Test func listsTheCertificateAndKeyObjects() async throws {
            try await withToken { stack, provisioning in
                let output = try Self.pkcs11Tool(stack, ["-O"])
                #expect(output.status == 0, "\(output)")
                #expect(output.stdout.contains("Certificate Object"), "\(output)")
                #expect(output.stdout.contains(provisioning.commonName), "\(output)")
                #expect(output.stdout.contains("Public Key Object; RSA 2048 bits"), "\(output)")
            }
        }

        /// `--login --sign` with SHA256-RSA-PKCS: openssl verifies the signature against the
        /// certificate's public key, and rejects it for other data.
        @Test func signsWhatOpenSSLVerifies() async throws {
            try await withToken { stack, provisioning in
                let data = stack.file("sign-input"), signature = stack.file("sign-output")
                try "PIV interop: pkcs11-tool --sign\n".write(toFile: data, atomically: true, encoding: .utf8)
                let output = try Self.pkcs11Tool(stack, ["--login", "--pin", "env:PIV_PIN", "--sign", "--id", "01",
                                                         "-m", "SHA256-RSA-PKCS", "-i", data, "-o", signature])
                #expect(output.status == 0, "\(output)")
                let verified = try stack.run([PIVTools.openssl, "dgst", "-sha256", "-verify", provisioning.publicKey,
                                              "-signature", signature, data])
                #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified)")
                try "other data\n".write(toFile: data, atomically: true, encoding: .utf8)
                let forged = try stack.run([PIVTools.openssl, "dgst", "-sha256", "-verify", provisioning.publicKey,
                                            "-signature", signature, data])
                #expect(forged.status != 0, "a signature verified for other data: \(forged)")
            }
        }

        /// pkcs11-tool's own self-test (digests, signatures with every mechanism it finds,
        /// verification, decryption, random numbers) reports no errors.
        @Test func selfTestPasses() async throws {
            try await withToken { stack, _ in
                let output = try Self.pkcs11Tool(stack, ["--test", "--login", "--pin", "env:PIV_PIN"], timeout: 150)
                #expect(output.status == 0, "\(output)")
                #expect(output.combined.contains("No errors"), "\(output)")
            }
        }

        /// The `serial num` field of `pkcs11-tool -L`.
        static func serial(in listing: String) -> String? {
            listing.split(separator: "\n").first { $0.contains("serial num") }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }
}
