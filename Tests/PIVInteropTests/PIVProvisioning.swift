import Foundation
import PCSCTestSupport
import Synchronization

/// The token as the suites need it, made once per test process with stock tools only (the
/// `ukey piv` commands are another branch's): a test CA and a TLS server certificate from the
/// openssl CLI; an RSA-2048 key generated in slot 9A by yubico-piv-tool; a clientAuth
/// certificate for that public key from the test CA, imported into 9A by yubico-piv-tool.
/// RSA-2048 because OpenSSL 3 refuses RSA-1024 in TLS on both ends.
///
/// yubico-piv-tool authenticates with the 9B management key before GENERATE and PUT DATA; it
/// reads the key from standard input when `-k` has no value (not a terminal: no prompt echo),
/// so the key never appears on a command line.
struct PIVProvisioning: Sendable {
    /// The token serial in upper-case hex, as `ukey token info` prints it.
    let tokenSerial: String
    /// PEM files in the stack's directory.
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    let clientCertificate: String
    /// The 9A public key yubico-piv-tool printed after GENERATE (PEM).
    let publicKey: String
    /// The client certificate's subject common name (carries the token serial).
    let commonName: String
    /// What yubico-piv-tool's GENERATE printed, for the test that checks it.
    let generate: TestProcess.Output

    /// A 0600 file holding the PIV PIN, for `pin-source=file:` in pkcs11 URIs.
    let pinFile: String
    /// The token's serial as OpenSC's PKCS#11 module reports it (`pkcs11-tool -L`): what
    /// `serial=` in a pkcs11 URI matches.
    let pkcs11Serial: String

    private static let state = Mutex<Result<PIVProvisioning, StackError>?>(nil)

    /// The provisioned token of ``PIVStack/shared()``, provisioned on first use.
    static func shared() async throws -> (PIVStack, PIVProvisioning) {
        let stack = try await PIVStack.shared()
        let provisioning = try await PCSCTestStack.blocking {
            try state.withLock { state in
                if state == nil {
                    state = Result { () throws(StackError) in
                        do { return try PIVProvisioning(stack) } catch let error as StackError { throw error } catch {
                            throw StackError("provisioning failed: \(error)")
                        }
                    }
                }
                return try state!.get()
            }
        }
        return (stack, provisioning)
    }

    private init(_ stack: PIVStack) throws {
        let info = try stack.ukey(["token", "info", "--json"])
        guard info.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any],
              let serial = (object["info"] as? [String: Any])?["serial"] as? String else {
            throw StackError("ukey token info --json failed:\n\(info)")
        }
        tokenSerial = serial
        commonName = "UKey PIV \(serial)"
        caCertificate = stack.file("ca.pem")
        serverCertificate = stack.file("server.pem")
        serverKey = stack.file("server.key")
        clientCertificate = stack.file("client.pem")
        publicKey = stack.file("9a.pub.pem")
        pinFile = stack.file("piv-pin")
        _ = FileManager.default.createFile(atPath: pinFile, contents: Data(PIVStack.pivPIN.utf8), attributes: [.posixPermissions: 0o600])

        let ca = stack.file("ca.key")
        try Self.openssl(stack, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca, "-out", caCertificate,
                                 "-subj", "/CN=UKey PIV Interop Test CA", "-days", "2"])
        try Self.openssl(stack, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out", serverCertificate,
                                 "-subj", "/CN=localhost", "-CA", caCertificate, "-CAkey", ca, "-days", "2",
                                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext", "extendedKeyUsage=serverAuth"])

        let reader = stack.reader
        generate = try stack.run([PIVTools.yubicoPIVTool, "-r", reader, "-k", "-a", "generate", "-s", "9a", "-A", "RSA2048",
                                  "-o", publicKey], input: PIVStack.managementKey + "\n", timeout: 120)
        guard generate.status == 0 else { throw StackError("yubico-piv-tool -a generate -s 9a -A RSA2048 failed:\n\(generate)") }

        let extensions = stack.file("client.ext")
        try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try Self.openssl(stack, ["x509", "-new", "-force_pubkey", publicKey, "-subj", "/CN=\(commonName)",
                                 "-CA", caCertificate, "-CAkey", ca, "-days", "2", "-extfile", extensions, "-out", clientCertificate])

        let imported = try stack.run([PIVTools.yubicoPIVTool, "-r", reader, "-k", "-a", "import-certificate", "-s", "9a",
                                      "-i", clientCertificate], input: PIVStack.managementKey + "\n", timeout: 60)
        guard imported.status == 0 else { throw StackError("yubico-piv-tool -a import-certificate -s 9a failed:\n\(imported)") }

        let listing = try stack.run([PIVTools.pkcs11Tool, "--module", PIVTools.openscPKCS11, "-L"])
        guard let serial = PIVInteropTests.PKCS11Tool.serial(in: listing.stdout) else {
            throw StackError("no serial num in pkcs11-tool -L:\n\(listing)")
        }
        pkcs11Serial = serial
    }

    /// `openssl ARGUMENTS`, which must succeed.
    @discardableResult
    static func openssl(_ stack: PIVStack, _ arguments: [String], input: String? = nil) throws -> TestProcess.Output {
        let output = try stack.run([PIVTools.openssl] + arguments, input: input)
        guard output.status == 0 else { throw StackError("openssl \(arguments.prefix(2).joined(separator: " ")) failed:\n\(output)") }
        return output
    }
}
