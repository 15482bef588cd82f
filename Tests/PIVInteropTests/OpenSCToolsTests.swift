import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// Stock OpenSC and yubico-piv-tool see a PIV card and use it unchanged.
    @Suite struct OpenSCTools {
        /// OpenSC's card detection picks its PIV driver (it tries others first, which SELECT
        /// their own AIDs: those must fail and leave the card usable).
        @Test func openscToolNamesAPIVCard() async throws {
            try await withStack { stack in
                let output = try stack.run([PIVTools.openscTool, "-r", stack.reader, "-n"])
                #expect(output.status == 0, "\(output)")
                #expect(output.stdout.contains("Personal Identity Verification Card"), "\(output)")
            }
        }

        /// yubico-piv-tool authenticated with the token's 9B key, generated an RSA-2048 key in
        /// 9A (the public key it printed is the one the imported certificate certifies) and
        /// imported the certificate (done once by ``PIVProvisioning``).
        @Test func yubicoPIVToolGeneratesAndImportsWithTheManagementKey() async throws {
            try await withToken { stack, provisioning in
                #expect(provisioning.generate.status == 0)
                let generated = try PIVProvisioning.openssl(stack, ["pkey", "-pubin", "-in", provisioning.publicKey, "-text_pub", "-noout"])
                #expect(generated.stdout.contains("Public-Key: (2048 bit)"), "\(generated)")
                let certified = try PIVProvisioning.openssl(stack, ["x509", "-in", provisioning.clientCertificate, "-noout", "-pubkey"])
                let key = try String(contentsOfFile: provisioning.publicKey, encoding: .utf8)
                #expect(certified.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == key.trimmingCharacters(in: .whitespacesAndNewlines))
                // Reading the certificate back through yubico-piv-tool: what was imported is stored.
                let read = try stack.run([PIVTools.yubicoPIVTool, "-r", stack.reader, "-a", "read-certificate", "-s", "9a"])
                #expect(read.status == 0, "\(read)")
                let original = try String(contentsOfFile: provisioning.clientCertificate, encoding: .utf8)
                #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == original.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }

        /// A wrong management key is refused (the 9B mutual authentication fails), and the
        /// slot's certificate is still there afterwards.
        @Test func yubicoPIVToolWithAWrongManagementKeyIsRefused() async throws {
            try await withToken { stack, provisioning in
                let wrong = String(repeating: "11", count: 24)
                let output = try stack.run([PIVTools.yubicoPIVTool, "-r", stack.reader, "-k", "-a", "delete-certificate", "-s", "9a"],
                                           input: wrong + "\n")
                #expect(output.status != 0, "\(output)")
                let read = try stack.run([PIVTools.yubicoPIVTool, "-r", stack.reader, "-a", "read-certificate", "-s", "9a"])
                let original = try String(contentsOfFile: provisioning.clientCertificate, encoding: .utf8)
                #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == original.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
    }
}
