import ArgumentParser
import UKey

/// What the PIV PIN and PUK commands print: the result and the PIN's state afterwards.
struct PIVPINResult: Encodable {
    let reader: String
    let result: String
    let pin: PIVCredentialStatus
}

extension PIVPINResult {
    static func emit(_ reader: String, _ result: String, _ piv: PIVToken, json: Bool, text: String) async throws {
        try Output.emit(PIVPINResult(reader: reader, result: result, pin: try await piv.pinStatus()), json: json) { _ in text }
    }
}

/// `ukey piv pin status`: VERIFY without data; uses no try.
struct PIVPINStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show whether the PIV PIN is verified, or its tries left.")

    @OptionGroup var options: CommonOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withPIV(options) { reader, piv in
                let status = try await piv.pinStatus()
                try Output.emit(PIVPINResult(reader: reader, result: "status", pin: status), json: options.json) { _ in
                    "PIV PIN " + PIVInfoCommand.describe(status)
                }
            }
        }
    }
}

/// `ukey piv pin verify`.
struct PIVPINVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify the PIV PIN (a wrong one uses a try).",
        discussion: "Example: UKEY_PIV_PIN=123456 ukey piv pin verify")

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PIVPINOptions
    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let given = PINEntryOptions.pinGiven(fd: pin.pinFD, variable: "UKEY_PIV_PIN")
            try await ReaderAccess.withPIV(options) { reader, piv in
                let banking = Token(channel: piv.channel)
                if try await entry.usesKeypad(banking, pinGiven: given) {
                    PINEntryOptions.prompt("Type the PIV PIN on the token's keypad, then OK.")
                    try await piv.verifyPINOnDevice()
                } else {
                    try await piv.verifyPIN(try pin.read())
                }
                try await PIVPINResult.emit(reader, "verified", piv, json: options.json, text: "PIV PIN verified")
            }
        }
    }
}

/// `ukey piv pin change`.
struct PIVPINChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change", abstract: "Change the PIV PIN (6–8 digits).",
        discussion: "Example: ukey piv pin change --pin-fd 3 --new-pin-fd 4 3<pin.txt 4<new-pin.txt")

    @OptionGroup var options: CommonOptions
    @OptionGroup var pin: PIVPINOptions

    @Option(name: .customLong("new-pin-fd"), help: "Read the new PIV PIN from this file descriptor (else UKEY_PIV_NEW_PIN, else a prompt).")
    var newPINFD: Int32?

    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let given = PINEntryOptions.pinGiven(fd: pin.pinFD, variable: "UKEY_PIV_PIN")
                || PINEntryOptions.pinGiven(fd: newPINFD, variable: "UKEY_PIV_NEW_PIN")
            let keypad = try await ReaderAccess.withPIV(options) { reader, piv in
                guard try await entry.usesKeypad(Token(channel: piv.channel), pinGiven: given) else { return false }
                PINEntryOptions.prompt("Type the current PIV PIN, then the new PIV PIN twice, on the token's keypad (OK after each).")
                try await piv.changePINOnDevice()
                try await PIVPINResult.emit(reader, "changed", piv, json: options.json, text: "PIV PIN changed")
                return true
            }
            guard !keypad else { return }
            let old = try pin.read()
            let new = try SecretInput.pivNewPIN(fd: newPINFD).readTwiceOnTerminal()
            try await ReaderAccess.withPIV(options) { reader, piv in
                try await piv.changePIN(old: old, new: new)
                try await PIVPINResult.emit(reader, "changed", piv, json: options.json, text: "PIV PIN changed")
            }
        }
    }
}

/// `ukey piv pin unblock`: RESET RETRY COUNTER with the PUK.
struct PIVPINUnblockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unblock", abstract: "Unblock the PIV PIN with the PUK and set a new PIN.",
        discussion: "Example: ukey piv pin unblock --puk-fd 3 --new-pin-fd 4 3<puk.txt 4<new-pin.txt")

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("puk-fd"), help: "Read the PIV PUK from this file descriptor (else UKEY_PIV_PUK, else a prompt).")
    var pukFD: Int32?

    @Option(name: .customLong("new-pin-fd"), help: "Read the new PIV PIN from this file descriptor (else UKEY_PIV_NEW_PIN, else a prompt).")
    var newPINFD: Int32?

    @OptionGroup var entry: PINEntryOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let given = PINEntryOptions.pinGiven(fd: pukFD, variable: "UKEY_PIV_PUK")
                || PINEntryOptions.pinGiven(fd: newPINFD, variable: "UKEY_PIV_NEW_PIN")
            let keypad = try await ReaderAccess.withPIV(options) { reader, piv in
                guard try await entry.usesKeypad(Token(channel: piv.channel), pinGiven: given) else { return false }
                PINEntryOptions.prompt("Type the PIV PUK, then the new PIV PIN twice, on the token's keypad (OK after each).")
                try await piv.unblockPINOnDevice()
                try await PIVPINResult.emit(reader, "unblocked", piv, json: options.json, text: "PIV PIN unblocked and set")
                return true
            }
            guard !keypad else { return }
            let puk = try SecretInput.pivPUK(fd: pukFD).read()
            let new = try SecretInput.pivNewPIN(fd: newPINFD).readTwiceOnTerminal()
            try await ReaderAccess.withPIV(options) { reader, piv in
                try await piv.unblockPIN(puk: puk, newPIN: new)
                try await PIVPINResult.emit(reader, "unblocked", piv, json: options.json, text: "PIV PIN unblocked and set")
            }
        }
    }
}

/// `ukey piv puk change`.
struct PIVPUKChangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change", abstract: "Change the PIV PUK (a wrong one uses one of the PUK's tries).",
        discussion: "Example: ukey piv puk change --puk-fd 3 --new-puk-fd 4 3<puk.txt 4<new-puk.txt")

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("puk-fd"), help: "Read the PIV PUK from this file descriptor (else UKEY_PIV_PUK, else a prompt).")
    var pukFD: Int32?

    @Option(name: .customLong("new-puk-fd"), help: "Read the new PIV PUK from this file descriptor (else UKEY_PIV_NEW_PUK, else a prompt).")
    var newPUKFD: Int32?

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let old = try SecretInput.pivPUK(fd: pukFD).read()
            let new = try SecretInput.pivNewPUK(fd: newPUKFD).readTwiceOnTerminal()
            try await ReaderAccess.withPIV(options) { reader, piv in
                try await piv.changePUK(old: old, new: new)
                try await PIVPINResult.emit(reader, "PUK changed", piv, json: options.json, text: "PIV PUK changed")
            }
        }
    }
}
