import Foundation
import PCSC
import PCSCTestSupport
import Testing

/// `ukey piv` on token 1-5 of the shared ``PCSCTestStack`` (the PIV token, with the stack's PIV
/// factory secrets), each command its own process as a user runs it: info → generate 9a
/// RSA-2048 → CSR → `ca issue --client-auth` → cert put → cert get → PIN verify → sign, every
/// result checked by the `openssl` command, and no PIN, PUK or management key in any output or
/// `--trace`.
@Suite("ukey piv on token 1-5 through pcscd and the UKey driver", .serialized, .enabled(if: PCSCTestStack.available))
struct PIVCLITests {
    static let busid = "1-5"
    static let secrets = [PCSCTestStack.factoryPIVPIN, PCSCTestStack.factoryPIVPUK, PCSCTestStack.factoryManagementKey]

    @Test("provisioning 9a for TLS log-in from the command line, checked by openssl")
    func provisioning() async throws {
        let stack = try await PCSCTestStack.shared()
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.provision(stack, in: directory)
    }

    @Test("the same through a T=0 card behind a TPDU reader (--exchange tpdu-t0, our driver); then OpenSC's PIV driver names the card and signs with 9a through pkcs11-tool")
    func provisioningOverT0() async throws {
        let stack = try await PCSCTestStack.started(exchange: "tpdu-t0")
        defer { stack.stop() }
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.provision(stack, in: directory)
        // OpenSC's PKCS#11 module gives 16 virtual slots, 4 per reader, by default: the stack's
        // fifth reader would get none. Its configuration gives every reader its slots here, and
        // turns the PIN pad off (this test is about T=0: the PIN goes in with --pin).
        let openscConf = directory + "/opensc.conf"
        try """
            app default { reader_driver pcsc { enable_pinpad = false; } }
            app opensc-pkcs11 { pkcs11 { max_virtual_slots = 64; slots_per_card = 4; } }

            """.write(toFile: openscConf, atomically: true, encoding: .utf8)
        let environment = ["PATH": "/usr/bin:/bin", "LANG": "C", "HOME": directory, "XDG_CACHE_HOME": directory + "/.cache",
                           "PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath, "PIV_PIN": PCSCTestStack.factoryPIVPIN,
                           "OPENSC_CONF": openscConf]
        let reader = stack.reader(Self.busid)
        let named = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/opensc-tool", "-r", reader, "-n"], environment: environment)
        }
        #expect(named.status == 0 && named.stdout.contains("Personal Identity Verification Card"), "\(named)")
        let data = directory + "/opensc-input", signature = directory + "/opensc.sig"
        try Data("PIV over T=0 through OpenSC\n".utf8).write(to: URL(fileURLWithPath: data))
        let signed = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/pkcs11-tool", "--module", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
                                 "--slot-description", reader, "--login", "--pin", "env:PIV_PIN", "--sign", "--id", "01",
                                 "-m", "SHA256-RSA-PKCS", "-i", data, "-o", signature], environment: environment, timeout: 120)
        }
        #expect(signed.status == 0, "pkcs11-tool --sign over T=0: \(signed)")
        let verified = try await PCSCTestStack.blocking {
            try TestProcess.run(["/usr/bin/openssl", "dgst", "-sha256", "-verify", directory + "/9a.pub", "-signature", signature, data])
        }
        #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified)")
    }

    /// A new temporary directory; the caller removes it.
    static func makeDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-piv-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Provisions 9a of token ``busid`` of `stack` with `ukey piv`, its files in `directory`, and
    /// checks each step.
    static func provision(_ stack: PCSCTestStack, in directory: String) async throws {
        let binary = try EmulatorProcess.binary().path
        let onToken = ["--reader", "UKey \(Self.busid)"]
        func file(_ name: String) -> String { directory + "/" + name }
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory,
                           "PCSCLITE_CSOCK_NAME": stack.pcscd.socketPath, "COLUMNS": "80", "LANG": "C.UTF-8"]
        let pin = ["UKEY_PIV_PIN": PCSCTestStack.factoryPIVPIN]
        let managementKey = ["UKEY_PIV_MGMKEY": PCSCTestStack.factoryManagementKey]
        let outputs = OutputLog()

        @discardableResult
        func ukey(_ arguments: [String], _ secrets: [String: String] = [:], expect status: Int32 = 0) async throws -> TestProcess.Output {
            let output = try await PCSCTestStack.blocking {
                try TestProcess.run([binary] + arguments, environment: environment.merging(secrets) { $1 })
            }
            outputs.append(arguments.joined(separator: " "), output)
            #expect(output.status == status, "ukey \(arguments.joined(separator: " ")): \(output)")
            return output
        }
        func openssl(_ arguments: [String]) async throws -> TestProcess.Output {
            try await PCSCTestStack.blocking { try TestProcess.run(["/usr/bin/openssl"] + arguments) }
        }
        func json(_ output: TestProcess.Output) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output)")
        }

        // The CHUID serial is the banking applet's serial.
        let info = try json(try await ukey(["piv", "info", "--json"] + onToken))
        let banking = try json(try await ukey(["token", "info", "--json"] + onToken))
        let piv = try #require(info["piv"] as? [String: Any])
        #expect(piv["serial"] as? String == (banking["info"] as? [String: Any])?["serial"] as? String)
        #expect((piv["slots"] as? [[String: Any]])?.map { $0["slot"] as? String } == ["9A", "9C", "9D", "9E"])

        try await ukey(["piv", "generate", "--slot", "9a", "--algorithm", "rsa2048", "--out", file("9a.pub")] + onToken, managementKey)
        let modulus = try await openssl(["rsa", "-pubin", "-in", file("9a.pub"), "-noout", "-text"])
        #expect(modulus.stdout.contains("Public-Key: (2048 bit)"), "\(modulus)")

        // Without the management key nothing is generated: the prompt has no terminal.
        try await ukey(["piv", "generate", "--slot", "9c"] + onToken, expect: 1)

        try await ukey(["piv", "csr", "--slot", "9a", "--subject", "CN=PIV CLI Test, O=UKey Test Bank", "--public-key", file("9a.pub"),
                        "--out", file("9a.csr")] + onToken, pin)
        let request = try await openssl(["req", "-in", file("9a.csr"), "-verify", "-noout"])
        #expect(request.status == 0, "openssl req -verify: \(request)")

        try await ukey(["ca", "init", "--dir", file("bank")])
        try await ukey(["ca", "issue", "--dir", file("bank"), "--csr", file("9a.csr"), "--client-auth", "--out", file("9a.pem")])
        let purpose = try await openssl(["verify", "-CAfile", file("bank/ca-cert.pem"), "-purpose", "sslclient", file("9a.pem")])
        #expect(purpose.status == 0, "\(purpose)")

        let put = try await ukey(["piv", "cert", "put", "--slot", "9a", file("9a.pem"), "--trace"] + onToken, managementKey)
        #expect(put.stderr.contains("GENERAL AUTHENTICATE ••••") && put.stderr.contains("PUT DATA"), "\(put.stderr)")
        try await ukey(["piv", "cert", "get", "--slot", "9a", "--out", file("got.pem")] + onToken)
        #expect(try String(contentsOfFile: file("got.pem"), encoding: .utf8) == String(contentsOfFile: file("9a.pem"), encoding: .utf8))
        let shown = try json(try await ukey(["piv", "info", "--json"] + onToken))
        let slot9A = (shown["piv"] as? [String: Any]).flatMap { ($0["slots"] as? [[String: Any]])?.first }
        #expect(slot9A?["certificateSubject"] as? String == "CN=PIV CLI Test, O=UKey Test Bank")
        #expect(slot9A?["key"] as? String == "RSA-2048")

        let verify = try await ukey(["piv", "pin", "verify", "--trace"] + onToken, pin)
        #expect(verify.stderr.contains("VERIFY ••••"), "\(verify.stderr)")
        try await ukey(["piv", "pin", "verify"] + onToken, ["UKEY_PIV_PIN": "000000"], expect: 1)
        try await ukey(["piv", "pin", "verify"] + onToken, pin)

        try Data("log me in".utf8).write(to: URL(fileURLWithPath: file("data.txt")))
        try await ukey(["piv", "sign", "--slot", "9a", file("data.txt"), "--out", file("data.sig"), "--trace"] + onToken, pin)
        let signature = try await openssl(["dgst", "-sha256", "-verify", file("9a.pub"), "-signature", file("data.sig"), file("data.txt")])
        #expect(signature.status == 0 && signature.stdout.contains("Verified OK"), "\(signature)")

        for (command, output) in outputs.all {
            for secret in Self.secrets where CLIOnTokenTests.reveals(output.stdout + output.stderr, secret) {
                Issue.record("ukey \(command) printed a PIV secret (or its hex)")
            }
        }
    }
}

/// The commands run so far and what they printed.
final class OutputLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(String, TestProcess.Output)] = []
    func append(_ command: String, _ output: TestProcess.Output) { lock.withLock { entries.append((command, output)) } }
    var all: [(String, TestProcess.Output)] { lock.withLock { entries } }
}
