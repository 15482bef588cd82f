import ArgumentParser
import Foundation
import UKey

/// `ukey otp add NAME`: like `ykman oath accounts add`; the secret from --secret-fd, --secret-file or a prompt.
struct OTPAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account (its base32 secret never on the command line).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var password: OTPPasswordOptions
    @Argument(help: "The account name.") var name: String
    @Option(name: [.short, .customLong("issuer")], help: "The issuer.") var issuer: String?
    @Option(name: [.short, .customLong("oath-type")], help: "TOTP or HOTP (default TOTP).") var oathType = "TOTP"
    @Option(name: [.short, .customLong("algorithm")], help: "SHA1, SHA256 or SHA512 (default SHA1).") var algorithm = "SHA1"
    @Option(name: [.short, .customLong("digits")], help: "6, 7 or 8 (default 6).") var digits = 6
    @Option(name: [.short, .customLong("period")], help: "TOTP period in seconds (default 30).") var period = 30
    @Option(name: [.short, .customLong("counter")], help: "HOTP initial counter (default 0).") var counter: UInt32 = 0
    @Flag(name: [.short, .customLong("touch")], help: "Require the holder's OK on the token for each code.") var touch = false
    @Flag(name: [.short, .customLong("force")], help: "Replace an account with the same name.") var force = false
    @Option(name: .customLong("secret-fd"), help: "Read the base32 secret from this file descriptor.") var secretFD: Int32?
    @Option(name: .customLong("secret-file"), help: "Read the base32 secret from this file.") var secretFile: String?

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            guard let kind = OATHKind(rawValue: oathType.lowercased()) else { throw CLIError("usage", "--oath-type is TOTP or HOTP") }
            guard let hash = OATHAlgorithm(rawValue: algorithm.uppercased()) else { throw CLIError("usage", "--algorithm is SHA1, SHA256 or SHA512") }
            var text = try readSecret()
            defer { text.wipe() }
            guard var secret = Base32.decode(text) else { throw CLIError("usage", "the secret is not base32") }
            defer { secret.wipe() }
            let account = OATHNewAccount(name: name, issuer: issuer, kind: kind, algorithm: hash, digits: digits, period: period,
                                         counter: counter, requiresTouch: touch, secret: Secret(bytes: secret))
            try await ReaderAccess.withOATH(options, password) { reader, oath in
                try await oath.add(account, overwrite: force)
                try Output.emit(["reader": reader, "added": account.id], json: options.json) { _ in "added \(account.id)" }
            }
        }
    }

    /// The secret's text: the first line of the descriptor or file, else typed with echo off.
    func readSecret() throws -> [UInt8] {
        if let secretFD { return try Self.firstLine(of: secretFD) }
        if let secretFile {
            let fd = open(secretFile, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CLIError("noSecret", "cannot open \(secretFile): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            return try Self.firstLine(of: fd)
        }
        if let typed = try TerminalPrompt.readSecret(prompt: "Secret (base32): ") { return typed }
        throw CLIError("noSecret", "no secret: pass it on a file descriptor (--secret-fd N), in a file (--secret-file), or run on a terminal")
    }

    static func firstLine(of fd: Int32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 1024 {
            let count = Foundation.read(fd, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("noSecret", "cannot read the secret: \(String(cString: strerror(errno)))")
            }
            if count == 0 || byte == 0x0A { break }
            bytes.append(byte)
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw CLIError("noSecret", "the secret is empty") }
        return bytes
    }
}

/// `ukey otp list`: the account ids, as `ykman oath accounts list`.
struct OTPListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts (never their secrets).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var password: OTPPasswordOptions

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withOATH(options, password) { _, oath in
                let accounts = try await oath.accounts()
                try Output.emit(accounts, json: options.json) { $0.map(\.id).joined(separator: "\n") }
            }
        }
    }
}

/// `ukey otp code [QUERY]`: codes now, as `ykman oath accounts code`.
struct OTPCodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code", abstract: "Show codes; an HOTP or touch account only when QUERY names it alone (touch: OK on the token).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var password: OTPPasswordOptions
    @Argument(help: "Part of an account id.") var query: String?

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withOATH(options, password) { _, oath in
                let codes = try await oath.codes(at: UInt64(Date().timeIntervalSince1970), matching: query)
                if let query, codes.isEmpty { throw CLIError("notFound", "no account matches \"\(query)\"") }
                try Output.emit(codes, json: options.json) { codes in
                    let width = codes.map(\.account.id.count).max() ?? 0
                    return codes.map { code in
                        let shown = code.code ?? (code.touchRequired ? "[Requires Touch]" : "[HOTP Account]")
                        return code.account.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shown
                    }.joined(separator: "\n")
                }
            }
        }
    }
}

/// `ukey otp delete ID`.
struct OTPDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an account (its full id, as `list` shows it).")

    @OptionGroup var options: CommonOptions
    @OptionGroup var password: OTPPasswordOptions
    @Argument(help: "The account id.") var id: String

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withOATH(options, password) { reader, oath in
                try await oath.delete(id: id)
                try Output.emit(["reader": reader, "deleted": id], json: options.json) { _ in "deleted \(id)" }
            }
        }
    }
}

/// `ukey otp password`: set, change or (--clear) remove the OATH password, as `ykman oath access change`.
struct OTPPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "password", abstract: "Set, change or remove (--clear) the OATH password.")

    @OptionGroup var options: CommonOptions
    @OptionGroup var password: OTPPasswordOptions
    @Option(name: .customLong("new-password-fd"), help: "Read the new password from this file descriptor (else UKEY_OATH_NEW_PASSWORD, else a prompt).")
    var newPasswordFD: Int32?
    @Flag(help: "Remove the password.") var clear = false

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let new = clear ? nil : try SecretInput(name: "new OATH password", fd: newPasswordFD, environmentVariable: "UKEY_OATH_NEW_PASSWORD",
                                                    flag: "--new-password-fd").readTwiceOnTerminal()
            try await ReaderAccess.withOATH(options, password) { reader, oath in
                try await oath.setPassword(new)
                let result = clear ? "password removed" : "password set"
                try Output.emit(["reader": reader, "result": result], json: options.json) { _ in result }
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// Overwrites a buffer that held a secret.
    mutating func wipe() {
        for index in indices { self[index] = 0 }
    }
}
