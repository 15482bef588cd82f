import ArgumentParser
import UKey

/// `--pin-fd N`: where the PIN comes from when `UKEY_PIN` is not set and there is no terminal.
struct PINOptions: ParsableArguments {
    @Option(name: .customLong("pin-fd"), help: "Read the PIN from this file descriptor (else UKEY_PIN, else a prompt).")
    var pinFD: Int32?

    /// Reads the PIN and verifies it on `token`, so that the command's operation may follow.
    func verify(on token: Token) async throws {
        try await token.verifyPIN(try SecretInput.pin(fd: pinFD).read())
    }
}
