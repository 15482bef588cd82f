import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// One chip, two applets, two programs: a PKCS#11 program (PyKCS11 over opensc-pkcs11, logged
    /// in to PIV) and `ukey` (the banking applet) take turns on the card. Each SELECTs its own
    /// applet; the PIV login must survive the banking commands (or OpenSC must restore it), and
    /// the banking commands must not be confused by the PIV session.
    @Suite struct Coexistence {
        static var script: String {
            (Bundle.module.url(forResource: "Scripts", withExtension: nil)
                ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts"))
                .appendingPathComponent("pkcs11_sign.py").path
        }

        @Test func bankingCommandsBetweenTwoPKCS11SignaturesBreakNeither() async throws {
            try await withToken { stack, provisioning in
                _ = try await BankingSetup.shared(stack)
                // The PIN in the environment (PIV_PIN), read by the script, not on its command line.
                let holder = try BackgroundTool([PIVTools.python, Self.script, PIVTools.openscPKCS11, "hold"],
                                                environment: stack.environment(["PIV_PIN": PIVStack.pivPIN]))
                defer { holder.stop() }
                let first = try holder.waitForLine(startingWith: "signature-1 ", timeout: 90)

                // Another process uses the banking applet while the PKCS#11 session stays open.
                let info = try stack.ukey(["token", "info", "--json"])
                #expect(info.status == 0, "ukey token info between the signatures:\n\(info)")
                #expect(info.stdout.contains(provisioning.tokenSerial), "\(info)")
                let verify = try stack.ukey(["token", "pin", "verify"], environment: ["UKEY_PIN": BankingSetup.pin])
                #expect(verify.status == 0, "ukey token pin verify between the signatures:\n\(verify)")

                try holder.send("go")
                let second = try holder.waitForLine(startingWith: "signature-2 ", timeout: 90)
                #expect(holder.wait(timeout: 30) == 0, "the PKCS#11 program failed:\n\(holder.transcript)")

                #expect(try Self.verifies(first, message: "coexistence 1", stack: stack, provisioning: provisioning))
                #expect(try Self.verifies(second, message: "coexistence 2", stack: stack, provisioning: provisioning))

                // And the banking applet still answers after the second PKCS#11 operation.
                let after = try stack.ukey(["token", "pin", "verify"], environment: ["UKEY_PIN": BankingSetup.pin])
                #expect(after.status == 0, "ukey token pin verify after the PKCS#11 program:\n\(after)")
            }
        }

        /// Whether openssl verifies the hex `signature` (SHA-256, PKCS#1 v1.5) of `message` with the 9A key.
        static func verifies(_ signature: String, message: String, stack: PIVStack, provisioning: PIVProvisioning) throws -> Bool {
            let name = UUID().uuidString
            let messageFile = stack.file("\(name).msg"), signatureFile = stack.file("\(name).sig")
            try Data(message.utf8).write(to: URL(fileURLWithPath: messageFile))
            try Data(hex: signature).write(to: URL(fileURLWithPath: signatureFile))
            let output = try stack.run([PIVTools.openssl, "dgst", "-sha256", "-verify", provisioning.publicKey,
                                        "-signature", signatureFile, messageFile])
            return output.status == 0 && output.stdout.contains("Verified OK")
        }
    }
}

extension Data {
    /// Bytes from hex digits (either case); empty for anything else.
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
              let byte = UInt8(hex[index..<next], radix: 16) {
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }

    /// Upper-case hex, as the signed transfer JSON spells byte strings.
    var upperHex: String { map { String(format: "%02X", $0) }.joined() }
}
