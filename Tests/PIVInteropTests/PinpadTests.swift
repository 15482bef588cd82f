import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// OpenSC behind our driver's PIN pad (the token's keypad): the token info shows
    /// CKF_PROTECTED_AUTHENTICATION_PATH, and `pkcs11-tool --login` without `--pin` waits for
    /// the keypad, where `ukey emulator type` (UKEY_PIN, never argv) types the PIV PIN, then signs.
    @Suite struct Pinpad {
        /// `ukey emulator type` on the stack's token until it takes the keys.
        static func type(_ stack: PIVStack) throws -> TestProcess.Output {
            var last: TestProcess.Output? = nil
            for _ in 0..<600 {
                let out = try stack.ukey(["emulator", "type", "--state", stack.directory + "/state", "--token", "1-1"],
                                         environment: ["UKEY_PIN": PIVStack.pivPIN])
                if out.status == 0 { return out }
                last = out
                usleep(100_000)
            }
            throw StackError("ukey emulator type never succeeded: \(String(describing: last))")
        }

        @Test func pkcs11ToolLogsInOnTheKeypadAndSigns() async throws {
            try await withToken { stack, provisioning in
                let listing = try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11, "-L"])
                #expect(listing.stdout.contains("PIN pad present") || listing.stdout.lowercased().contains("protected"),
                        "CKF_PROTECTED_AUTHENTICATION_PATH: \(listing)")
                let data = stack.file("pinpad-input"), signature = stack.file("pinpad-output")
                try "signed after a PIN typed on the token\n".write(toFile: data, atomically: true, encoding: .utf8)
                let signed = BackgroundWork {
                    try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11, "--login", "--sign", "--id", "01",
                                   "-m", "SHA256-RSA-PKCS", "-i", data, "-o", signature], timeout: 120)
                }
                let typed = try await PCSCTestStack.blocking { try Self.type(stack) }
                let output = try await signed.value
                #expect(output.status == 0, "pkcs11-tool --login without --pin: \(output)\n\(typed)")
                let verified = try stack.run([PIVTools.openssl, "dgst", "-sha256", "-verify", provisioning.publicKey,
                                              "-signature", signature, data])
                #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified)")
                #expect(!(output.stdout + output.stderr).contains(PIVStack.pivPIN))
            }
        }
    }
}
