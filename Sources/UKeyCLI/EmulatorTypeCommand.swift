import ArgumentParser
import Foundation
import UKeyControl
import UKeyEmulator

/// `ukey emulator type`: the holder typing on a token's keypad (the token waits for a PIN,
/// PC_to_RDR_Secure). The digits come from a file descriptor or `UKEY_PIN`, never the command
/// line, and OK follows them; they travel in one control request `keys`, which the emulator
/// never logs or echoes.
struct EmulatorTypeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "type",
        abstract: "Type a PIN on a token's keypad (digits from --pin-fd or UKEY_PIN, then OK).",
        discussion: """
            Examples: ukey emulator type --token 1-1 --pin-fd 3 3<pin.txt
                      UKEY_PIN=123456 ukey emulator type
                      ukey emulator type --cancel
                      ukey emulator type --keys clear,ok
            """)

    @Option(name: .customLong("pin-fd"), help: "Read the digits from this file descriptor (else UKEY_PIN).")
    var pinFD: Int32?

    @Flag(help: "Press Cancel instead of typing.")
    var cancel = false

    @Option(help: "Raw keys, comma-separated: ok, cancel, clear (digits only from --pin-fd or UKEY_PIN).")
    var keys: String?

    @OptionGroup var options: EmulatorControlOptions

    func validate() throws {
        if let keys {
            for name in Self.split(keys) where !["ok", "cancel", "clear"].contains(name) {
                throw ValidationError("--keys takes ok, cancel and clear; digits come from --pin-fd or UKEY_PIN, never the command line")
            }
        }
        if cancel && (keys != nil || pinFD != nil) { throw ValidationError("--cancel types nothing else") }
    }

    func run() throws {
        var pressed: [String]
        if cancel {
            pressed = ["cancel"]
        } else if let keys {
            pressed = Self.split(keys)
        } else {
            var digits = try Self.digits(fd: pinFD)
            defer { for i in digits.indices { digits[i] = 0 } }
            pressed = digits.map { String(UnicodeScalar($0)) } + ["ok"]
        }
        defer { pressed = [] }
        try options.run(.keys(token: options.token, keys: pressed))
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The first line of `fd`, else `UKEY_PIN`: ASCII digits only.
    static func digits(fd: Int32?) throws -> [UInt8] {
        let bytes: [UInt8]
        if let fd {
            bytes = try SecretInput.firstLine(of: fd, name: "PIN")
        } else if let value = ProcessInfo.processInfo.environment["UKEY_PIN"] {
            bytes = Array(value.utf8)
        } else {
            throw ValidationError("no digits: pass them on a file descriptor (--pin-fd N) or in UKEY_PIN")
        }
        guard !bytes.isEmpty, bytes.count <= 16, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw ValidationError("the PIN to type must be 1–16 digits")
        }
        return bytes
    }
}
