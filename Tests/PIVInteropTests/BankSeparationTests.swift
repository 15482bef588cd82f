import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// A PKCS#11 program that holds the PIV PIN can make the card sign anything with the PIV
    /// key (TLS needs exactly that), but never with the banking key: so it must not be able to
    /// produce a transfer signature the bank's `TransferVerifier` accepts. The attack: take a
    /// genuine transfer the holder approved on the token (its DTBS is what the bank expects),
    /// sign that DTBS with the PIV key through pkcs11-tool, and hand it to `ukey transfer verify`.
    @Suite struct BankSeparation {
        /// Under the token's banking certificate the PIV signature does not verify; under the PIV
        /// certificate (test CA) the bank does not trust the certificate. The genuine transfer is
        /// accepted afterwards, so the refusals are not the set-up's fault (and used nothing up).
        @Test func aPIVSignatureOverATransferIsRefusedByTheBank() async throws {
            try await withToken { stack, provisioning in
                let banking = try await BankingSetup.shared(stack)
                let genuine = try Self.genuineTransfer("refused", stack: stack, banking: banking)
                var forged = genuine
                forged["signature"] = try Self.pivSignature(of: try #require(genuine["dtbs"] as? String), "refused", stack: stack)

                let underBankingCertificate = try Self.verify(forged, as: "forged-banking-cert", bank: banking.bank, stack: stack)
                #expect(underBankingCertificate.status == 4, "\(underBankingCertificate)")
                #expect(underBankingCertificate.stdout.contains("badSignature"), "\(underBankingCertificate)")

                forged["certificate"] = try Self.derHex(provisioning.clientCertificate, stack: stack)
                let underPIVCertificate = try Self.verify(forged, as: "forged-piv-cert", bank: banking.bank, stack: stack)
                #expect(underPIVCertificate.status == 4, "\(underPIVCertificate)")
                #expect(underPIVCertificate.stdout.contains("untrustedCertificate"), "\(underPIVCertificate)")

                let accepted = try Self.verify(genuine, as: "genuine", bank: banking.bank, stack: stack)
                #expect(accepted.status == 0, "the genuine transfer was refused:\n\(accepted)")
            }
        }

        /// The same attack when the bank's own CA has certified the PIV key for TLS log-in, with
        /// the token serial in the subject as on the banking certificate (what a bank issuing its
        /// customers' TLS certificates would do). The certificate is only handed to the verifier,
        /// never stored on the card: the attacker needs nothing but the public certificate.
        /// The verifier refuses it because a certificate with an extendedKeyUsage (TLS client or
        /// server) never vouches for a transfer (`TrustStore`).
        @Test func aPIVSignatureUnderATLSCertificateFromTheBanksCAIsRefused() async throws {
            try await withToken { stack, provisioning in
                let banking = try await BankingSetup.shared(stack)
                let genuine = try Self.genuineTransfer("bank-ca", stack: stack, banking: banking)
                let extensions = stack.file("bank-tls.ext")
                try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
                    .write(toFile: extensions, atomically: true, encoding: .utf8)
                try PIVProvisioning.openssl(stack, ["x509", "-new", "-force_pubkey", provisioning.publicKey,
                                                    "-subj", "/CN=Zhang San/O=UKey Test Bank/serialNumber=\(provisioning.tokenSerial)",
                                                    "-CA", banking.bank + "/ca-cert.pem", "-CAkey", banking.bank + "/ca-key.pem",
                                                    "-days", "2", "-extfile", extensions, "-out", stack.file("bank-tls.pem")])
                var forged = genuine
                forged["signature"] = try Self.pivSignature(of: try #require(genuine["dtbs"] as? String), "bank-ca", stack: stack)
                forged["certificate"] = try Self.derHex(stack.file("bank-tls.pem"), stack: stack)
                let verdict = try Self.verify(forged, as: "forged-bank-tls-cert", bank: banking.bank, stack: stack)
                #expect(verdict.status == 4, "a PIV-key signature was accepted as a transfer:\n\(verdict)")
                #expect(verdict.stdout.contains("untrustedCertificate"), "refused for its certificate:\n\(verdict)")
            }
        }

        /// A transfer the holder approved (`--confirm approve`: the emulator presses OK), its
        /// challenge still unused: the signed transfer JSON as an object.
        static func genuineTransfer(_ name: String, stack: PIVStack, banking: BankingSetup) throws -> [String: Any] {
            try BankingSetup.ukey(stack, ["transfer", "challenge", "--bank", banking.bank, "--payee-account", "DE89370400440532013000",
                                          "--payee-name", "Zhang San", "--amount", "12.34", "--currency", "CNY",
                                          "--out", stack.file("\(name).challenge.json")])
            try BankingSetup.ukey(stack, ["transfer", "sign", stack.file("\(name).challenge.json"), "--out", stack.file("\(name).genuine.json")],
                                  ["UKEY_PIN": BankingSetup.pin])
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stack.file("\(name).genuine.json"))))
            guard let transfer = object as? [String: Any] else { throw StackError("\(name).genuine.json is not a JSON object") }
            return transfer
        }

        /// The hex DTBS signed with the PIV key (slot 9A) by pkcs11-tool holding the PIV PIN,
        /// as the upper-case hex the signed transfer JSON uses.
        static func pivSignature(of dtbs: String, _ name: String, stack: PIVStack) throws -> String {
            try Data(hex: dtbs).write(to: URL(fileURLWithPath: stack.file("\(name).dtbs")))
            let signed = try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11, "--login", "--pin", "env:PIV_PIN",
                                        "--sign", "--id", "01", "-m", "SHA256-RSA-PKCS", "-i", stack.file("\(name).dtbs"),
                                        "-o", stack.file("\(name).dtbs.sig")], environment: ["PIV_PIN": PIVStack.pivPIN])
            guard signed.status == 0 else { throw StackError("pkcs11-tool --sign of the DTBS failed:\n\(signed)") }
            return try Data(contentsOf: URL(fileURLWithPath: stack.file("\(name).dtbs.sig"))).upperHex
        }

        /// A PEM certificate as upper-case DER hex.
        static func derHex(_ pem: String, stack: PIVStack) throws -> String {
            let der = pem + ".der"
            try PIVProvisioning.openssl(stack, ["x509", "-in", pem, "-outform", "DER", "-out", der])
            return try Data(contentsOf: URL(fileURLWithPath: der)).upperHex
        }

        /// `ukey transfer verify --json` of `transfer` (written to `name`.json): exit 0 accepted, 4 refused.
        static func verify(_ transfer: [String: Any], as name: String, bank: String, stack: PIVStack) throws -> TestProcess.Output {
            let path = stack.file(name + ".json")
            try JSONSerialization.data(withJSONObject: transfer).write(to: URL(fileURLWithPath: path))
            return try stack.ukey(["transfer", "verify", "--bank", bank, "--json", path])
        }
    }
}
