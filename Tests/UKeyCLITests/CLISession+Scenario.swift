import Foundation
import PCSCTestSupport

/// The session the golden files record: a bank client and the bank on token 1-4 from the
/// factory state, as `scripts/demo.sh` runs it, each main command in text and in `--json`, and
/// the errors a user meets (wrong PIN, unknown instruction, replayed transfer, script mismatch).
extension CLISession {
    static let factoryPIN = PCSCTestStack.factoryPIN
    static let wrongPIN = "000000"
    static let firstPIN = "24681357"
    static let pin = "13572468"
    static let wrongPUK = "11112222"
    /// Every secret of the session: none may appear in any output.
    static let secrets = [factoryPIN, PCSCTestStack.factoryPUK, wrongPIN, firstPIN, pin, wrongPUK]

    /// SHA-256 of "hello".
    static let digest = "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"
    /// A fixed 16-byte login challenge (short enough to stay in the golden files).
    static let loginChallenge = "00112233445566778899AABBCCDDEEFF"

    /// Runs the whole session; the steps are in ``steps``. Fails only when a process cannot be
    /// run; what the commands printed is judged by the caller.
    func runScenario(script: URL, mismatchScript: URL) throws {
        let token = Self.onToken
        let pin = ["UKEY_PIN": Self.pin]

        try run("readers", ["readers"] + token)
        try run("readers-json", ["readers", "--json"] + token)
        try run("token-info-factory", ["token", "info"] + token)
        try run("token-info-factory-json", ["token", "info", "--json"] + token)

        try run("pin-verify-wrong", ["token", "pin", "verify"] + token, secrets: ["UKEY_PIN": Self.wrongPIN])
        try run("pin-verify-wrong-json", ["token", "pin", "verify", "--json"] + token, secrets: ["UKEY_PIN": Self.wrongPIN])
        try run("pin-verify-factory", ["token", "pin", "verify"] + token, secrets: ["UKEY_PIN": Self.factoryPIN])
        try run("pin-change", ["token", "pin", "change"] + token,
                secrets: ["UKEY_PIN": Self.factoryPIN, "UKEY_NEW_PIN": Self.firstPIN])
        try run("pin-change-json", ["token", "pin", "change", "--json"] + token,
                secrets: ["UKEY_PIN": Self.firstPIN, "UKEY_NEW_PIN": Self.pin])
        try run("pin-change-same", ["token", "pin", "change"] + token, secrets: ["UKEY_PIN": Self.pin, "UKEY_NEW_PIN": Self.pin])

        // The transfer key waits for the holder's OK on the token; the authentication key does not.
        try runConfirmed("keygen-json", ["token", "keygen", "--key", "transfer", "--json"] + token, secrets: pin)
        try run("keygen", ["token", "keygen", "--key", "auth"] + token, secrets: pin)
        try run("keygen-no-key", ["token", "keygen"] + token, secrets: pin)
        try run("pubkey", ["token", "pubkey", "--key", "transfer"] + token)
        try run("pubkey-json", ["token", "pubkey", "--key", "transfer", "--json"] + token)
        try run("pubkey-out", ["token", "pubkey", "--key", "transfer", "--out", file("transfer-key.pem")] + token)
        let subject = "CN=Zhang San, O=UKey Test Bank"
        try run("csr", ["token", "csr", "--key", "transfer", "--subject", subject] + token, secrets: pin)
        try run("csr-json", ["token", "csr", "--key", "transfer", "--subject", subject, "--out", file("token.csr"), "--json"] + token,
                secrets: pin)
        try run("csr-decrypt", ["token", "csr", "--key", "decrypt", "--subject", subject] + token, secrets: pin)

        try run("ca-init", ["ca", "init", "--dir", file("bank")])
        try run("ca-init-exists", ["ca", "init", "--dir", file("bank")])
        try run("ca-init-json", ["ca", "init", "--dir", file("bank"), "--force", "--json"])
        let transferProfile = ["--transfer", "--transfer-key", file("transfer-key.pem")]
        try run("ca-issue-no-profile", ["ca", "issue", "--dir", file("bank"), "--csr", file("token.csr")])
        try run("ca-issue", ["ca", "issue", "--dir", file("bank"), "--csr", file("token.csr")] + transferProfile)
        try run("ca-issue-out", ["ca", "issue", "--dir", file("bank"), "--csr", file("token.csr"), "--out", file("token.pem")]
                + transferProfile)
        try run("ca-issue-json", ["ca", "issue", "--dir", file("bank"), "--csr", file("token.csr"), "--out", file("token.pem"), "--json"]
                + transferProfile)

        try run("cert-put", ["token", "cert", "put", "--key", "transfer", file("token.pem")] + token, secrets: pin)
        try run("cert-put-json", ["token", "cert", "put", "--key", "transfer", file("token.pem"), "--json"] + token, secrets: pin)
        try run("cert-put-wrong-key", ["token", "cert", "put", "--key", "auth", file("token.pem")] + token, secrets: pin)
        try run("cert-get", ["token", "cert", "get", "--key", "transfer"] + token)
        try run("cert-get-json", ["token", "cert", "get", "--key", "transfer", "--json"] + token)
        try run("token-info", ["token", "info"] + token)
        try run("token-info-json", ["token", "info", "--json"] + token)

        try run("sign", ["token", "sign", "--digest", Self.digest] + token, secrets: pin)
        try run("sign-json", ["token", "sign", "--digest", Self.digest, "--json"] + token, secrets: pin)
        try run("sign-trace", ["token", "sign", "--digest", Self.digest, "--trace"] + token, secrets: pin,
                recordsStandardError: false)
        try run("auth", ["token", "auth", "--challenge", Self.loginChallenge] + token, secrets: pin)
        try run("auth-json", ["token", "auth", "--challenge", Self.loginChallenge, "--json"] + token, secrets: pin)

        let selectAndInfo = ["00A4040006F0554B455901", "00CA010000"]
        try run("apdu", ["apdu"] + selectAndInfo + token)
        try run("apdu-json", ["apdu", "--json"] + selectAndInfo + token)
        try "# SELECT the banking applet, then its token info\n00A4040006F0554B455901\n\n00CA010000  # GET DATA\n"
            .write(toFile: file("apdus.txt"), atomically: true, encoding: .utf8)
        try run("apdu-file", ["apdu", "-f", file("apdus.txt")] + token)
        try run("apdu-unknown-ins", ["apdu", "00A4040006F0554B455901", "0050000000"] + token)
        try run("apdu-unknown-ins-json", ["apdu", "--json", "00A4040006F0554B455901", "0050000000"] + token)
        let atr = "3B8B800180F9A00000030800001000C8"
        try run("atr", ["atr", atr])
        try run("atr-json", ["atr", atr, "--json"])

        let transfer = ["--payee-account", "6222020200112233", "--payee-name", "李四 Li Si", "--amount", "1234.56",
                        "--currency", "CNY", "--reference", "Invoice 42"]
        try run("transfer-challenge", ["transfer", "challenge", "--bank", file("bank")] + transfer + ["--out", file("challenge.json")])
        try run("transfer-challenge-json", ["transfer", "challenge", "--bank", file("bank")] + transfer
                + ["--out", file("challenge2.json"), "--json"])
        try runConfirmed("transfer-sign", ["transfer", "sign", file("challenge.json"), "--out", file("signed.json")] + token,
                         secrets: pin)
        try runConfirmed("transfer-sign-json", ["transfer", "sign", file("challenge2.json"), "--out", file("signed2.json"), "--json"]
                         + token, secrets: pin)
        try run("transfer-verify", ["transfer", "verify", "--bank", file("bank"), file("signed.json")])
        try run("transfer-verify-replay", ["transfer", "verify", "--bank", file("bank"), file("signed.json")])
        try run("transfer-verify-json", ["transfer", "verify", "--bank", file("bank"), file("signed2.json"), "--json"])
        try run("transfer-verify-replay-json", ["transfer", "verify", "--bank", file("bank"), file("signed2.json"), "--json"])

        try FileManager.default.copyItem(at: script, to: URL(fileURLWithPath: file("check.ukey")))
        try FileManager.default.copyItem(at: mismatchScript, to: URL(fileURLWithPath: file("mismatch.ukey")))
        try run("script", ["script", file("check.ukey")] + token)
        try run("script-json", ["script", file("check.ukey"), "--json"] + token)
        try run("script-mismatch", ["script", file("mismatch.ukey")] + token)

        // A wrong PUK is reported as the PUK's, with the PUK's tries (last: it uses a PUK try).
        let wrongPUK = ["UKEY_PUK": Self.wrongPUK, "UKEY_NEW_PIN": Self.firstPIN]
        try run("pin-unblock-wrong-puk", ["token", "pin", "unblock"] + token, secrets: wrongPUK)
        try run("pin-unblock-wrong-puk-json", ["token", "pin", "unblock", "--json"] + token, secrets: wrongPUK)

        try run("help", ["--help"])
        try run("help-token", ["token", "--help"])
        try run("help-apdu", ["apdu", "--help"])
        try run("help-transfer-sign", ["transfer", "sign", "--help"])
    }
}
