import Foundation
import PCSCTestSupport
import Synchronization

/// The token's banking side, set up once per test process with `ukey` (the banking applet, not
/// PIV): the factory PIN changed (the applet refuses to sign before), a banking key, a
/// certificate for it from a bank CA (`ukey ca init` / `ukey ca issue`), stored on the token.
/// The PIN travels in UKEY_PIN / UKEY_NEW_PIN, never on a command line.
struct BankingSetup: Sendable {
    static let pin = "24681357"
    /// The bank's directory (ca-cert.pem, ca-key.pem, bank.sqlite).
    let bank: String

    private static let state = Mutex<Result<BankingSetup, StackError>?>(nil)

    static func shared(_ stack: PIVStack) async throws -> BankingSetup {
        try await PCSCTestStack.blocking {
            try state.withLock { state in
                if state == nil {
                    state = Result { () throws(StackError) in
                        do { return try BankingSetup(stack) } catch let error as StackError { throw error } catch {
                            throw StackError("banking set-up failed: \(error)")
                        }
                    }
                }
                return try state!.get()
            }
        }
    }

    private init(_ stack: PIVStack) throws {
        bank = stack.file("bank")
        let pinEnvironment = ["UKEY_PIN": Self.pin]
        try Self.ukey(stack, ["token", "pin", "change"], ["UKEY_PIN": PIVStack.factoryPIN, "UKEY_NEW_PIN": Self.pin])
        // The transfer key: its generation waits for the holder's OK (the emulator approves).
        try Self.ukey(stack, ["token", "keygen", "--key", "transfer"], pinEnvironment)
        try Self.ukey(stack, ["token", "csr", "--key", "transfer", "--subject", "CN=Zhang San, O=UKey Test Bank",
                              "--out", stack.file("bank.csr")], pinEnvironment)
        // The bank records the transfer key read from the card and certifies only a CSR for it.
        let transferKey = try Self.ukey(stack, ["token", "pubkey", "--key", "transfer"]).stdout
        try Data(transferKey.utf8).write(to: URL(fileURLWithPath: stack.file("transfer-key.pem")))
        try Self.ukey(stack, ["ca", "init", "--dir", bank])
        try Self.ukey(stack, ["ca", "issue", "--dir", bank, "--transfer", "--transfer-key", stack.file("transfer-key.pem"),
                              "--csr", stack.file("bank.csr"), "--out", stack.file("bank.pem")])
        try Self.ukey(stack, ["token", "cert", "put", "--key", "transfer", stack.file("bank.pem")], pinEnvironment)
    }

    /// `ukey ARGUMENTS`, which must succeed.
    @discardableResult
    static func ukey(_ stack: PIVStack, _ arguments: [String], _ environment: [String: String] = [:]) throws -> TestProcess.Output {
        let output = try stack.ukey(arguments, environment: environment)
        guard output.status == 0 else { throw StackError("ukey \(arguments.prefix(3).joined(separator: " ")) failed:\n\(output)") }
        return output
    }
}
