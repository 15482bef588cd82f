import ArgumentParser
import Foundation
import Glibc
import UKeyBank
import UKeyBankServer

/// `ukey-bank otp enroll|unlock`: a holder's OATH credential in the bank's store (secret sealed
/// with the bank's OTP key, ARCHITECTURE.md "OTP verification").
struct OTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otp",
        abstract: "Enroll holders' OATH credentials (dynamic passwords) and lift lock-outs.",
        subcommands: [OTPEnrollCommand.self, OTPUnlockCommand.self])
}

/// `ukey-bank otp enroll --holder H --name N [--totp|--hotp] --secret-fd FD`: the secret (base32,
/// as authenticator QR codes carry it) is read from a file descriptor, never from argv.
struct OTPEnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll a holder's OATH credential; the base32 secret is read from --secret-fd.")

    @OptionGroup var bank: BankOptions
    @Option(help: "The account holder.") var holder: String
    @Option(help: "The credential's name (unique per holder).") var name: String
    @Flag(help: "Time-based (RFC 6238, the default) or counter-based (RFC 4226).") var kind: OTPKindFlag = .totp
    @Option(help: "SHA1, SHA256 or SHA512.") var algorithm: String = "SHA1"
    @Option(help: "Digits of a code (6–8).") var digits: Int = 6
    @Option(help: "TOTP period in seconds.") var period: Int = 30
    @Option(help: "HOTP counter of the next code.") var counter: UInt64 = 0
    @Option(help: "The file descriptor to read the base32 secret from (0 for standard input).") var secretFd: Int32
    @Flag(help: "Replace a credential of the same name.") var force = false

    func run() async throws {
        guard let algorithm = OTPAlgorithm(rawValue: algorithm.uppercased()) else {
            throw BankCommandError("--algorithm must be SHA1, SHA256 or SHA512")
        }
        var text = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 512)
        while text.count <= 4096 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(secretFd, $0.baseAddress, 512) }
            if count < 0 { throw BankCommandError("--secret-fd \(secretFd): cannot read it") }
            if count == 0 { break }
            text += buffer.prefix(count)
        }
        guard let secret = Base32.decode(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BankCommandError("--secret-fd \(secretFd): the secret is not base32")
        }
        let otp = try OTPVerifier(try bank.verifier())
        let enrollment = OTPEnrollment(holder: holder, name: name, kind: kind.kind, algorithm: algorithm, digits: digits, period: period,
                                       counter: counter, secret: secret)
        guard try otp.enroll(enrollment, replace: force) else {
            throw BankCommandError("\(holder) already has a credential named \(name) (--force replaces it)")
        }
        print("enrolled \(kind.rawValue) credential \(name) of \(holder)")
    }
}

/// `ukey-bank otp unlock --holder H --name N`: ends a lock-out after repeated failures.
struct OTPUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Clear a credential's failures (ends a lock-out).")

    @OptionGroup var bank: BankOptions
    @Option(help: "The account holder.") var holder: String
    @Option(help: "The credential's name.") var name: String

    func run() async throws {
        guard try OTPVerifier(try bank.verifier()).unlock(holder: holder, name: name) else {
            throw BankCommandError("\(holder) has no credential named \(name)")
        }
        print("unlocked \(name) of \(holder)")
    }
}

/// `--totp` or `--hotp`.
enum OTPKindFlag: String, EnumerableFlag {
    case totp
    case hotp

    var kind: OTPKind { self == .totp ? .totp : .hotp }
}
