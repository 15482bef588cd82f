import ArgumentParser
import UKey

/// The result every PIN command prints.
struct PINResult: Encodable {
    let reader: String
    let result: String
    let pinTriesLeft: Int
}

/// `ukey token pin verify`.
struct TokenPINVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify the PIN (a wrong one uses a try).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions
    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                if try await entry.usesKeypad(found.token, pinGiven: PINEntryOptions.pinGiven(fd: pin.pinFD)) {
                    PINEntryOptions.prompt("Type the PIN on the token's keypad, then OK.")
                    try await found.token.verifyPINOnDevice()
                } else {
                    try await pin.verify(on: found.token)
                }
                let result = PINResult(reader: found.reader, result: "verified", pinTriesLeft: try await found.token.info().pinTriesLeft)
                try Output.emit(result, json: options.json) { _ in "PIN verified" }
            }
        }
    }
}

/// `ukey token pin change`: from the current (or factory) PIN to a new one.
struct TokenPINChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "change", abstract: "Change the PIN (the factory PIN must be changed before first use).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PINOptions

    @Option(name: .customLong("new-pin-fd"), help: "Read the new PIN from this file descriptor (else UKEY_NEW_PIN, else a prompt).")
    var newPINFD: Int32?

    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let given = PINEntryOptions.pinGiven(fd: pin.pinFD) || PINEntryOptions.pinGiven(fd: newPINFD, variable: "UKEY_NEW_PIN")
            let keypad = try await ReaderAccess.withToken(options) { found in
                guard try await entry.usesKeypad(found.token, pinGiven: given) else { return false }
                PINEntryOptions.prompt("Type the current PIN, then the new PIN twice, on the token's keypad (OK after each).")
                try await found.token.changePINOnDevice()
                let result = PINResult(reader: found.reader, result: "changed", pinTriesLeft: try await found.token.info().pinTriesLeft)
                try Output.emit(result, json: options.json) { _ in "PIN changed" }
                return true
            }
            guard !keypad else { return }
            let old = try SecretInput.pin(fd: pin.pinFD).read()
            let new = try SecretInput.newPIN(fd: newPINFD).readTwiceOnTerminal()
            try await ReaderAccess.withToken(options) { found in
                try await found.token.changePIN(old: old, new: new)
                let result = PINResult(reader: found.reader, result: "changed", pinTriesLeft: try await found.token.info().pinTriesLeft)
                try Output.emit(result, json: options.json) { _ in "PIN changed" }
            }
        }
    }
}

/// `ukey token pin unblock`: the PUK sets a new PIN.
struct TokenPINUnblockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Unblock the PIN with the PUK and set a new PIN.")

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("puk-fd"), help: "Read the PUK from this file descriptor (else UKEY_PUK, else a prompt).")
    var pukFD: Int32?

    @Option(name: .customLong("new-pin-fd"), help: "Read the new PIN from this file descriptor (else UKEY_NEW_PIN, else a prompt).")
    var newPINFD: Int32?

    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let given = PINEntryOptions.pinGiven(fd: pukFD, variable: "UKEY_PUK") || PINEntryOptions.pinGiven(fd: newPINFD, variable: "UKEY_NEW_PIN")
            let keypad = try await ReaderAccess.withToken(options) { found in
                guard try await entry.usesKeypad(found.token, pinGiven: given) else { return false }
                PINEntryOptions.prompt("Type the PUK, then the new PIN twice, on the token's keypad (OK after each).")
                try await found.token.unblockPINOnDevice()
                let result = PINResult(reader: found.reader, result: "unblocked", pinTriesLeft: try await found.token.info().pinTriesLeft)
                try Output.emit(result, json: options.json) { _ in "PIN unblocked and set" }
                return true
            }
            guard !keypad else { return }
            let puk = try SecretInput.puk(fd: pukFD).read()
            let new = try SecretInput.newPIN(fd: newPINFD).readTwiceOnTerminal()
            try await ReaderAccess.withToken(options) { found in
                try await found.token.unblockPIN(puk: puk, newPIN: new)
                let result = PINResult(reader: found.reader, result: "unblocked", pinTriesLeft: try await found.token.info().pinTriesLeft)
                try Output.emit(result, json: options.json) { _ in "PIN unblocked and set" }
            }
        }
    }
}
