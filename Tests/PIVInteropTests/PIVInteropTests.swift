import PCSCTestSupport
import Testing

/// Issue 8's "Must show" with stock tools: OpenSC, pkcs11-tool, yubico-piv-tool, curl, OpenSSL
/// and GnuTLS against the token's PIV applet, through opensc-pkcs11 → a private pcscd → our
/// driver → `ukey emulator run` (``PIVStack``). One token, so the suites run one after another:
/// the coexistence and bank tests need to know who talks to the card when.
@Suite(.serialized, .enabled(if: PIVTools.allInstalled,
                             "needs opensc, yubico-piv-tool, curl, gnutls-bin, libengine-pkcs11-openssl, python3-pykcs11: run make deps"))
struct PIVInteropTests {}

extension PIVInteropTests {
    /// Runs `body` with the provisioned stack; the failure names what was missing when a tool
    /// is absent (the suite is disabled then, so this only guards direct runs).
    static func withToken<T>(_ body: (PIVStack, PIVProvisioning) async throws -> T) async throws -> T {
        let missing = PIVTools.missing
        guard missing.isEmpty else { throw StackError("missing: \(missing.joined(separator: ", "))") }
        let (stack, provisioning) = try await PIVProvisioning.shared()
        return try await body(stack, provisioning)
    }

    /// Runs `body` with the stack as it started, before anything was provisioned.
    static func withStack<T>(_ body: (PIVStack) async throws -> T) async throws -> T {
        let missing = PIVTools.missing
        guard missing.isEmpty else { throw StackError("missing: \(missing.joined(separator: ", "))") }
        return try await body(try await PIVStack.shared())
    }
}
