import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// A PKCS#11 program that holds the PIV PIN can make the card sign anything with the PIV
    /// key (TLS needs exactly that), but never with the banking key: so it cannot produce a
    /// transfer signature the bank's `TransferVerifier` accepts. The attack: take a genuine
    /// transfer the holder approved on the token (its DTBS is what the bank expects), sign that
    /// DTBS with the PIV key through pkcs11-tool, and hand it to `ukey transfer verify`. The
    /// genuine signature is accepted afterwards, so the refusals are not the set-up's fault.
    @Suite struct BankSeparation {
        @Test func aPIVSignatureOverATransferIsRefusedByTheBank() async throws {
            try await withToken { stack, provisioning in
                let banking = try await BankingSetup.shared(stack)
                try BankingSetup.ukey(stack, ["transfer", "challenge", "--bank", banking.bank, "--payee-account", "DE89370400440532013000",
                                              "--payee-name", "Zhang San", "--amount", "12.34", "--currency", "EUR",
                                              "--out", stack.file("challenge.json")])
                // `--confirm approve`: the emulator presses OK for the holder.
                try BankingSetup.ukey(stack, ["transfer", "sign", stack.file("challenge.json"), "--out", stack.file("genuine.json")],
                                      ["UKEY_PIN": BankingSetup.pin])
                let genuine = try Self.readJSON(stack.file("genuine.json"))
                let dtbs = try #require(genuine["dtbs"] as? String)

                // The DTBS signed with the PIV key (slot 9A, the PIN held by the PKCS#11 program).
                try Data(hex: dtbs).write(to: URL(fileURLWithPath: stack.file("dtbs.bin")))
                let signed = try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11, "--login", "--pin", "env:PIV_PIN",
                                            "--sign", "--id", "01", "-m", "SHA256-RSA-PKCS", "-i", stack.file("dtbs.bin"),
                                            "-o", stack.file("dtbs.piv.sig")], environment: ["PIV_PIN": PIVStack.pivPIN])
                try #require(signed.status == 0, "pkcs11-tool --sign of the DTBS failed:\n\(signed)")
                let pivSignature = try Data(contentsOf: URL(fileURLWithPath: stack.file("dtbs.piv.sig"))).upperHex

                // Under the token's banking certificate: the signature does not verify.
                var forged = genuine
                forged["signature"] = pivSignature
                let underBankingCertificate = try Self.verify(forged, as: "forged-banking-cert", bank: banking.bank, stack: stack)
                #expect(underBankingCertificate.status == 4, "\(underBankingCertificate)")
                #expect(underBankingCertificate.stdout.contains("badSignature"), "\(underBankingCertificate)")

                // Under the PIV certificate (the key that did sign): not a certificate the bank trusts.
                try PIVProvisioning.openssl(stack, ["x509", "-in", provisioning.clientCertificate, "-outform", "DER",
                                                                         "-out", stack.file("client.der")])
                forged["certificate"] = try Data(contentsOf: URL(fileURLWithPath: stack.file("client.der"))).upperHex
                let underPIVCertificate = try Self.verify(forged, as: "forged-piv-cert", bank: banking.bank, stack: stack)
                #expect(underPIVCertificate.status == 4, "\(underPIVCertificate)")
                #expect(underPIVCertificate.stdout.contains("untrustedCertificate"), "\(underPIVCertificate)")

                // The genuine transfer is still accepted: the forgeries did not use up the challenge.
                let accepted = try Self.verify(genuine, as: "genuine", bank: banking.bank, stack: stack)
                #expect(accepted.status == 0, "the genuine transfer was refused:\n\(accepted)")
            }
        }

        static func readJSON(_ path: String) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            guard let dictionary = object as? [String: Any] else { throw StackError("\(path) is not a JSON object") }
            return dictionary
        }

        /// `ukey transfer verify --json` of `transfer` (written to `name`.json): exit 0 accepted, 4 refused.
        static func verify(_ transfer: [String: Any], as name: String, bank: String, stack: PIVStack) throws -> ToolOutput {
            let path = stack.file(name + ".json")
            try JSONSerialization.data(withJSONObject: transfer).write(to: URL(fileURLWithPath: path))
            return try stack.ukey(["transfer", "verify", "--bank", bank, "--json", path])
        }
    }
}
