import CardOS
import Foundation
import ISO7816

/// How fast a token answers (issue 20, `ukey emulator run --profile fast|ushield|yubikey5|FILE.json`):
/// per-operation latency and USB full-speed framing, applied by holding each answer back (with
/// time extensions while it waits, as a busy card sends them). `fast` — no added time — is the
/// default. Sources of the built-in numbers: README, "Timing profiles".
public struct TimingProfile: Codable, Equatable, Sendable {
    public var name: String
    /// SELECT by AID.
    public var selectMilliseconds: Double
    /// One RSA private-key operation (SIGN, INTERNAL AUTHENTICATE, DECIPHER, CONFIRM TRANSFER's
    /// signature, PIV GENERAL AUTHENTICATE) with a 1024- or 2048-bit key.
    public var rsa1024SignMilliseconds: Double
    public var rsa2048SignMilliseconds: Double
    /// GENERATE of an RSA key pair.
    public var rsa1024GenerateMilliseconds: Double
    public var rsa2048GenerateMilliseconds: Double
    /// A command that commits NVM (PIN tries, counters, keys, certificates), on top of the rest.
    public var nvmWriteMilliseconds: Double
    /// Any other command.
    public var otherMilliseconds: Double
    /// USB full speed: 64-byte bulk packets, at most 19 per 1 ms frame, each direction.
    public var usbFullSpeed: Bool
    /// Uniform jitter, ± this percentage of each latency (never below zero).
    public var jitterPercent: Double

    public static let fast = TimingProfile(name: "fast", selectMilliseconds: 0, rsa1024SignMilliseconds: 0, rsa2048SignMilliseconds: 0,
                                           rsa1024GenerateMilliseconds: 0, rsa2048GenerateMilliseconds: 0, nvmWriteMilliseconds: 0,
                                           otherMilliseconds: 0, usbFullSpeed: false, jitterPercent: 0)
    /// A YubiKey 5 through its PIV applet: RSA-1024 sign ~56 ms (the figure of issue 20); the rest
    /// are estimates (README, "Timing profiles").
    public static let yubikey5 = TimingProfile(name: "yubikey5", selectMilliseconds: 3, rsa1024SignMilliseconds: 56,
                                               rsa2048SignMilliseconds: 180, rsa1024GenerateMilliseconds: 1_500,
                                               rsa2048GenerateMilliseconds: 6_000, nvmWriteMilliseconds: 8, otherMilliseconds: 2,
                                               usbFullSpeed: true, jitterPercent: 10)
    /// A bank's USB "U-shield" token: tens to hundreds of milliseconds for RSA (issue 20); every
    /// number here is an estimate.
    public static let ushield = TimingProfile(name: "ushield", selectMilliseconds: 8, rsa1024SignMilliseconds: 120,
                                              rsa2048SignMilliseconds: 450, rsa1024GenerateMilliseconds: 4_000,
                                              rsa2048GenerateMilliseconds: 20_000, nvmWriteMilliseconds: 25, otherMilliseconds: 5,
                                              usbFullSpeed: true, jitterPercent: 15)

    public static let builtIn = [fast, ushield, yubikey5]

    /// `fast`, `ushield`, `yubikey5`, or a JSON file with every field.
    public static func named(_ name: String) throws(EmulatorError) -> TimingProfile {
        if let profile = builtIn.first(where: { $0.name == name }) { return profile }
        guard name.hasSuffix(".json") || name.contains("/") else {
            throw .badConfiguration("--profile must be fast, ushield, yubikey5 or a FILE.json, not \(name)")
        }
        do {
            let profile = try JSONDecoder().decode(TimingProfile.self, from: Data(contentsOf: URL(fileURLWithPath: name)))
            let values = [profile.selectMilliseconds, profile.rsa1024SignMilliseconds, profile.rsa2048SignMilliseconds,
                          profile.rsa1024GenerateMilliseconds, profile.rsa2048GenerateMilliseconds, profile.nvmWriteMilliseconds,
                          profile.otherMilliseconds, profile.jitterPercent]
            guard values.allSatisfy({ $0 >= 0 && $0 <= 600_000 }), profile.jitterPercent <= 100 else {
                throw EmulatorError.badConfiguration("--profile \(name): every value must be 0…600000 ms (jitter 0…100 %)")
            }
            return profile
        } catch let error as EmulatorError {
            throw error
        } catch {
            throw .badConfiguration("--profile \(name): \(error)")
        }
    }

    /// The time `command` takes on this token; `keyBits` tells the size of the key a private-key
    /// command uses (from its NVM record), `nil` if it has none.
    func milliseconds(for command: CommandAPDU, keyBits: (CommandAPDU) -> Int?) -> UInt64 {
        var total = 0.0
        switch command.ins {
        case 0xA4:
            total += selectMilliseconds
        case 0x2A, 0x88, 0x87, 0xC0:
            total += (keyBits(command) ?? 1024) >= 2048 ? rsa2048SignMilliseconds : rsa1024SignMilliseconds
        case 0x47:
            total += (keyBits(command) ?? 1024) >= 2048 ? rsa2048GenerateMilliseconds : rsa1024GenerateMilliseconds
        default:
            total += otherMilliseconds
        }
        if TimingProfile.writesNVM(command) { total += nvmWriteMilliseconds }
        if jitterPercent > 0 && total > 0 {
            total *= 1 + Double.random(in: -jitterPercent...jitterPercent) / 100
        }
        if usbFullSpeed {
            // The command message (10-byte CCID header + APDU) and an answer of up to one frame.
            let packets = (10 + command.bytes.count + 63) / 64
            total += Double((packets + 18) / 19) + 1
        }
        return UInt64(max(0, total).rounded())
    }

    /// Commands that commit NVM: PIN tries and changes, signature counters, keys, certificates.
    static func writesNVM(_ command: CommandAPDU) -> Bool {
        [0x20, 0x24, 0x2C, 0x2A, 0x88, 0xC0, 0x47, 0xDA, 0xDB].contains(command.ins)
    }
}
