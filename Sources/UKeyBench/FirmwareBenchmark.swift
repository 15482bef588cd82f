import CardOS
import COpenSSL
import Foundation
import HostPlatform
import ISO7816
import TokenDevice
import UKey
import PIVApplet

/// Issue 3's benchmark: firmware RSA-1024 SIGN and CONFIRM TRANSFER per second in memory,
/// next to plain OpenSSL EVP signing in a loop, and key generation time.
enum FirmwareBenchmark {
    typealias BenchPlatform = HostPlatform<MemoryNVM, SystemClock>

    static func run(secondsPerRound: Double) throws {
        let rounds = 3
        let firmware = try personalizedFirmware()
        let digestInfo = [UInt8](hex: "3031300D060960864801650304020105000420")! + [UInt8](repeating: 0x42, count: 32)
        let sign = try CommandAPDU(cla: 0, ins: 0x2A, p1: 0x9E, p2: 0x9A, data: digestInfo, ne: 256).bytes
        let transfer = [UInt8](hex: "7034" + "800A" + "31323334353637383930" + "8105" + "416C696365" + "8206" + "3130302E3030"
                                + "8303" + "434E59" + "8400" + "8510" + String(repeating: "AB", count: 16))!
        let confirm = try CommandAPDU(cla: 0x80, ins: 0xC0, p1: 0, p2: 0, data: transfer, ne: 256).bytes
        let reference = try PlainOpenSSLSigner(bits: 1024)

        var plain: [Double] = [], signs: [Double] = [], confirms: [Double] = []
        for _ in 0..<rounds {
            plain.append(try Measure.rate(seconds: secondsPerRound) { _ = try reference.sign(digestInfo) })
            signs.append(Measure.rate(seconds: secondsPerRound) {
                guard case .response(let r) = firmware.card.process(sign), r.suffix(2) == [0x90, 0x00] else { fatalError("SIGN failed") }
            })
            confirms.append(Measure.rate(seconds: secondsPerRound) {
                guard firmware.card.process(confirm) == .waiting else { fatalError("CONFIRM did not wait") }
                while firmware.card.press(.ok) == nil {}
            })
        }
        let plainRate = Measure.median(plain), signRate = Measure.median(signs), confirmRate = Measure.median(confirms)
        let engine = OpenSSLCryptoEngine()
        let keygen1024 = try Measure.duration(count: 10) { _ = try engine.generateRSAKey(bits: 1024) }
        let keygen2048 = try Measure.duration(count: 3) { _ = try engine.generateRSAKey(bits: 2048) }

        print("## Firmware in memory vs plain OpenSSL (RSA-1024, median of \(rounds) interleaved rounds of \(secondsPerRound) s)")
        print("")
        print("| measurement | per second | ratio to plain OpenSSL sign |")
        print("|---|---:|---:|")
        print("| plain OpenSSL EVP_PKEY_sign loop (reference) | \(Measure.format(plainRate)) | 1.00 |")
        print("| firmware SIGN APDU (CardOS + applet + counter commit) | \(Measure.format(signRate)) | \(Measure.format(signRate / plainRate, 2)) |")
        print("| firmware CONFIRM TRANSFER + OK through every page | \(Measure.format(confirmRate)) | \(Measure.format(confirmRate / plainRate, 2)) |")
        print("")
        print("| key generation (no reference: OpenSSL's own `EVP_PKEY_keygen`, which the engine calls) | mean time |")
        print("|---|---:|")
        print("| RSA-1024 (10 keys) | \(Measure.format(keygen1024 * 1000, 1)) ms |")
        print("| RSA-2048 (3 keys) | \(Measure.format(keygen2048 * 1000, 1)) ms |")
        Headlines.add("firmware SIGN APDU per second", ratio: signRate / plainRate, reference: "plain OpenSSL RSA-1024 sign")
        Headlines.add("firmware CONFIRM TRANSFER + OK per second", ratio: confirmRate / plainRate, reference: "plain OpenSSL RSA-1024 sign")
    }

    /// A token in memory, PIN changed, RSA-1024 authentication key (SIGN) and transfer key
    /// (CONFIRM TRANSFER; its generation approved on the device) generated, PIN verified.
    static func personalizedFirmware(serial: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]) throws -> TokenFirmware<BenchPlatform> {
        let memory = MemoryNVM()
        try TokenFirmware<BenchPlatform>.manufacture(memory, serial: serial,
                                                     pin: Array("123456".utf8), puk: Array("12345678".utf8),
                                                     piv: .wellKnownDefaults)
        let platform = HostPlatform(memory: memory, crypto: OpenSSLCryptoEngine(), presence: HostPresence(), clock: SystemClock())
        let firmware = TokenFirmware(platform: platform)
        for hex in ["00A4040C06F0554B455901", "00240081" + "0E" + "06313233343536" + "06363534333231", "0047800203800101",
                    "0047800103800101"] {
            var reply: [UInt8]? = nil
            switch firmware.card.process([UInt8](hex: hex)!) {
            case .response(let bytes): reply = bytes
            case .waiting:
                // GENERATE of the transfer key waits for the holder's OK, page by page.
                for _ in 0..<16 where reply == nil { reply = firmware.card.press(.ok) }
            case .noAnswer:
                break
            }
            guard let reply, reply.suffix(2) == [0x90, 0x00] else { throw BenchmarkError.setupFailed(hex) }
        }
        return firmware
    }
}

enum BenchmarkError: Error {
    case setupFailed(String)
    case openSSL(String)
}

/// The reference: what an application doing RSA-1024 PKCS#1 v1.5 signing with OpenSSL's EVP API
/// does per signature.
final class PlainOpenSSLSigner {
    private let key: EVPKey

    init(bits: Int32) throws {
        key = try EVPKey.generateRSA(bits: bits)
    }

    func sign(_ digestInfo: [UInt8]) throws -> [UInt8] {
        try key.sign(digestInfo, padding: RSA_PKCS1_PADDING)
    }
}
