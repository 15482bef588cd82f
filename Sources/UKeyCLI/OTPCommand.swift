import ArgumentParser
import Foundation
import UKey

/// `ukey otp …`: the token's OATH applet (dynamic passwords), as `ykman oath` drives it.
struct OTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otp",
        abstract: "The OATH applet: TOTP/HOTP accounts whose secrets stay on the token (ykman oath works too).",
        discussion: """
            Secrets never go on the command line: an account's base32 secret comes from a file \
            descriptor (--secret-fd), a file (--secret-file) or a prompt; the OATH password from \
            --password-fd, UKEY_OATH_PASSWORD or a prompt (asked only when one is set), a new one \
            from --new-password-fd, UKEY_OATH_NEW_PASSWORD or a prompt.

              ukey otp add --issuer Example alice --secret-fd 3 3<alice.b32
              ukey otp list
              ukey otp code alice
              ukey otp delete Example:alice
              ukey otp password --new-password-fd 3 3<password.txt
            """,
        subcommands: [OTPAddCommand.self, OTPListCommand.self, OTPCodeCommand.self, OTPDeleteCommand.self, OTPPasswordCommand.self])
}

/// `--password-fd N`: the OATH password, read only when the applet has one.
struct OTPPasswordOptions: ParsableArguments {
    @Option(name: .customLong("password-fd"), help: "Read the OATH password from this file descriptor (else UKEY_OATH_PASSWORD, else a prompt).")
    var passwordFD: Int32?

    var input: SecretInput { SecretInput(name: "OATH password", fd: passwordFD, environmentVariable: "UKEY_OATH_PASSWORD", flag: "--password-fd") }
}

extension ReaderAccess {
    /// Runs `body` with the OATH applet of the token of `options`, unlocked with the password
    /// when the applet has one.
    static func withOATH<Result>(_ options: CommonOptions, _ password: OTPPasswordOptions,
                                 _ body: (String, OATHSession) async throws -> Result) async throws -> Result {
        try await withToken(options) { found in
            let probe = OATHSession(channel: found.token.channel)
            guard try await probe.info().passwordSet else { return try await body(found.reader, probe) }
            return try await body(found.reader, OATHSession(channel: found.token.channel, password: try password.input.read()))
        }
    }
}

/// RFC 4648 base32 (case-insensitive, spaces and padding ignored), as ykman and authenticator
/// apps write secrets.
enum Base32 {
    static func decode(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = UInt32(byte - UInt8(ascii: "2")) + 26
            case UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "-"): continue
            default: return nil
            }
            buffer = buffer << 5 | value
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        buffer = 0
        return output.isEmpty ? nil : output
    }
}
