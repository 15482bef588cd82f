import Foundation
import PCSCTestSupport
import Testing

extension PIVInteropTests {
    /// TLS client authentication with the token's 9A key: `openssl s_server` on 127.0.0.1 demands
    /// a client certificate from the test CA (`-Verify 1 -verify_return_error`), and each stock
    /// client completes an HTTP request through opensc-pkcs11; `-www` answers with a page that
    /// prints the client certificate, which must be the token's.
    ///
    /// TLS 1.3 makes the client sign with RSA-PSS, TLS 1.2 (with these clients) too or with
    /// PKCS#1 v1.5: either way the card does raw RSA and the host pads.
    @Suite struct TLSClientAuth {
        enum Client: String, CaseIterable, CustomTestStringConvertible {
            case curl, opensslSClient = "openssl s_client", gnutlsCLI = "gnutls-cli"
            var testDescription: String { rawValue }
        }

        enum Version: String, CaseIterable, CustomTestStringConvertible {
            case tls13 = "-tls1_3", tls12 = "-tls1_2"
            var testDescription: String { self == .tls13 ? "TLS 1.3" : "TLS 1.2" }
        }

        @Test(arguments: Client.allCases, Version.allCases)
        func clientCompletesARequestWithTheTokensCertificate(client: Client, version: Version) async throws {
            try await withToken { stack, provisioning in
                let server = try BackgroundTool([PIVTools.openssl, "s_server", "-accept", "127.0.0.1:0", version.rawValue,
                                                 "-cert", provisioning.serverCertificate, "-key", provisioning.serverKey,
                                                 "-CAfile", provisioning.caCertificate, "-Verify", "1", "-verify_return_error", "-www"],
                                                environment: stack.environment())
                defer { server.stop() }
                let port = try server.waitForLine(startingWith: "ACCEPT 127.0.0.1:", timeout: 30)
                let output = try Self.request(client, port: port, serial: provisioning.pkcs11Serial, stack: stack,
                                              provisioning: provisioning)
                #expect(output.status == 0, "\(client) failed:\n\(output)\ns_server:\n\(server.transcript)")
                // The -www page prints the client certificate the server verified.
                #expect(output.stdout.contains("Subject: CN=\(provisioning.commonName)"),
                        "the server did not report the token's certificate:\n\(output)\ns_server:\n\(server.transcript)")
            }
        }

        /// Runs one client against `https://127.0.0.1:PORT/`. The PIN: pkcs11 URIs in OpenSSL's
        /// engine (libp11) take `pin-source=file:` (curl and s_client); gnutls-cli reads
        /// GNUTLS_PIN. The engine reaches opensc-pkcs11 through p11-kit-proxy, libp11's default
        /// module.
        static func request(_ client: Client, port: String, serial: String, stack: PIVStack,
                            provisioning: PIVProvisioning) throws -> TestProcess.Output {
            let token = "pkcs11:serial=\(serial);id=%01"
            let key = "\(token);type=private?pin-source=file:\(provisioning.pinFile)"
            let request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
            switch client {
            case .curl:
                return try stack.run([PIVTools.curl, "--silent", "--show-error", "--fail", "--cacert", provisioning.caCertificate,
                                      "--cert", "\(token);type=cert", "--key", key, "https://127.0.0.1:\(port)/"], timeout: 90)
            case .opensslSClient:
                return try stack.run([PIVTools.openssl, "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", provisioning.caCertificate,
                                      "-verify_return_error", "-engine", "pkcs11", "-keyform", "engine", "-key", key,
                                      "-cert", provisioning.clientCertificate, "-ign_eof", "-quiet"],
                                     input: request, timeout: 90)
            case .gnutlsCLI:
                // GnuTLS logs in on the PIN pad when the token has a protected authentication
                // path (our driver offers the token's keypad): the holder types the PIV PIN
                // there (`ukey emulator type`), and GNUTLS_PIN goes unused.
                let holder = KeypadHolder()
                Thread.detachNewThread {
                    while !holder.isDone {
                        let out = try? stack.ukey(["emulator", "type", "--state", stack.directory + "/state", "--token", "1-1"],
                                                  environment: ["UKEY_PIN": PIVStack.pivPIN])
                        if out?.status != 0 { usleep(100_000) }
                    }
                }
                defer { holder.finish() }
                return try stack.run([PIVTools.gnutlsCLI, "--x509cafile", provisioning.caCertificate,
                                      "--x509certfile", "\(token);type=cert", "--x509keyfile", "\(token);type=private",
                                      "-p", port, "127.0.0.1"],
                                     input: request, environment: ["GNUTLS_PIN": PIVStack.pivPIN], timeout: 90)
            }
        }
    }
}

/// Tells the thread that types on the keypad that the client finished.
final class KeypadHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    var isDone: Bool { lock.withLock { done } }
    func finish() { lock.withLock { done = true } }
}
