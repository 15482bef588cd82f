import ArgumentParser
import UKey

/// `ukey token pin policy keypad-only|both`: the token policy `pin-entry`, set with the PUK
/// (SET PIN-ENTRY POLICY `80 52 00 pp`).
struct TokenPINPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Set where the PIN may be typed: keypad-only or both (takes the PUK).",
        discussion: """
            keypad-only makes the token refuse a PIN or PUK sent from a computer; back to both takes \
            the PUK typed on the token's keypad (--on-token, the default when the reader has one and \
            no PUK is given). Example: UKEY_PUK=87654321 ukey token pin policy keypad-only
            """)

    @OptionGroup var options: CommonOptions

    @Argument(help: "keypad-only or both.")
    var policy: TokenInfo.PINEntryPolicy

    @Option(name: .customLong("puk-fd"), help: "Read the PUK from this file descriptor (else UKEY_PUK, else a prompt).")
    var pukFD: Int32?

    @OptionGroup var entry: PINEntryOptions

    struct Result: Encodable {
        let reader: String
        let pinEntry: TokenInfo.PINEntryPolicy
        let pukTriesLeft: Int
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let policy = policy
            let given = PINEntryOptions.pinGiven(fd: pukFD, variable: "UKEY_PUK")
            let keypad = try await ReaderAccess.withToken(options) { found in
                guard try await entry.usesKeypad(found.token, pinGiven: given) else { return false }
                PINEntryOptions.prompt("Type the PUK on the token's keypad, then OK.")
                try await found.token.setPINEntryPolicyOnDevice(policy)
                try await Self.emit(found, json: options.json)
                return true
            }
            guard !keypad else { return }
            let puk = try SecretInput.puk(fd: pukFD).read()
            try await ReaderAccess.withToken(options) { found in
                try await found.token.setPINEntryPolicy(policy, puk: puk)
                try await Self.emit(found, json: options.json)
            }
        }
    }

    private static func emit(_ found: TokenFinder.Found, json: Bool) async throws {
        let info = try await found.token.info()
        let result = Result(reader: found.reader, pinEntry: info.pinEntry, pukTriesLeft: info.pukTriesLeft)
        try Output.emit(result, json: json) { _ in "PIN entry: \(info.pinEntry.text)" }
    }
}

extension TokenInfo.PINEntryPolicy: ExpressibleByArgument {}
