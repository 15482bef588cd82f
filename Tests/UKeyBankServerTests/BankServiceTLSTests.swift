import Foundation
import Testing

/// `ukey-bank serve --tls-cert F --tls-key F`: HTTPS through HummingbirdTLS, checked with curl
/// against the test's own self-signed certificate.
@Suite struct BankServiceTLSTests {
    static func tool(_ path: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func servesHTTPSWithTheGivenCertificate() throws {
        let bank = try TemporaryBank()
        let cert = bank.url.appendingPathComponent("tls-cert.pem").path, key = bank.url.appendingPathComponent("tls-key.pem").path
        let made = try Self.tool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                                      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0)
        let server = try BankServerProcess(bank: bank.url, arguments: ["--tls-cert", cert, "--tls-key", key])
        defer { server.stop() }
        let health = try Self.tool("/usr/bin/curl", ["-sS", "--max-time", "30", "--cacert", cert, "https://127.0.0.1:\(server.port)/healthz"])
        #expect(health.status == 0)
        #expect(health.stdout == "{\"status\":\"ok\"}\n")
        // Plain HTTP to the TLS port gets no HTTP answer.
        #expect(throws: (any Error).self) { try HTTPClient.get(port: server.port, "/healthz") }
        #expect(server.stop() == 0)
    }

    @Test func aMissingKeyFileIsOneLineNamingIt() throws {
        let bank = try TemporaryBank()
        let missing = bank.url.appendingPathComponent("none.pem").path
        let run = try BankCLITests.run(["serve", "--listen", "127.0.0.1:0", "--bank", bank.url.path, "--tls-cert", missing, "--tls-key", missing])
        #expect(run.status == 1)
        #expect(run.stderr.contains("--tls-cert \(missing): not a readable PEM certificate"), "\(run.stderr)")
    }
}
