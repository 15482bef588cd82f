import ArgumentParser
import Foundation
import UKey

/// `--on-token` / `--on-pc`: where the holder types the PIN. By default the token's keypad when
/// the reader has one and no PIN was given (`--pin-fd`, `UKEY_PIN`); `--on-pc` forces the old
/// way (the PIN typed here and sent over USB), `--on-token` the keypad.
struct PINEntryOptions: ParsableArguments {
    @Flag(name: .customLong("on-token"), help: "Type the PIN on the token's keypad (the default when the reader has one and no PIN is given).")
    var onToken = false

    @Flag(name: .customLong("on-pc"), help: "Type the PIN on this computer and send it to the token.")
    var onPC = false

    func validate() throws {
        if onToken && onPC { throw ValidationError("--on-token and --on-pc exclude each other") }
    }

    /// Whether to use the keypad for `token`, given whether a PIN source was named.
    func usesKeypad(_ token: Token, pinGiven: Bool) async throws -> Bool {
        if onPC { return false }
        if onToken {
            guard try await token.hasPINPad() else { throw TokenError.noPINPad }
            return true
        }
        guard !pinGiven else { return false }
        return try await token.hasPINPad()
    }

    static func pinGiven(fd: Int32?, variable: String = "UKEY_PIN") -> Bool {
        fd != nil || ProcessInfo.processInfo.environment[variable] != nil
    }

    /// Tells the holder where to type (stderr; never the PIN).
    static func prompt(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
}
