import CardOS
import Foundation
import HostPlatform
import ISO7816
import PIVApplet
import TokenDevice
import UKey

/// `ukey-bench --oracle-check` (`make oracle-check`): is DECIPHER a Bleichenbacher padding oracle?
///
/// A personalized RSA-1024 token in this process gets DECIPHERs (`00‖cryptogram‖Ne`, Le = Ne, as
/// the host library sends them) of every ``PaddingClass``
/// (valid padding of an L-byte message, and each kind of bad padding), interleaved in a random
/// order. Every answer must be 9000 with exactly Ne = L bytes (the plaintext for the valid
/// class). Then each bad class's time distribution is compared with the valid one's, in the
/// manner of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017):
/// Welch's t-test on the samples cropped at several percentiles of the pooled distribution
/// (cropping removes the long tail that interrupts and a busy machine add); the largest |t| must
/// stay below 4.5. Only the `card.process` call is timed.
enum OracleCheck {
    typealias CheckPlatform = HostPlatform<MemoryNVM, SystemClock>

    /// The expected plaintext length Ne (the CLI's default: an AES-256 key).
    static let plaintextLength = 32
    /// GENERATE's key reference (P2) for the key DECIPHER uses.
    static let decryptionKeyReference: UInt8 = 0x03
    /// Distinct cryptograms per class; each is sent many times.
    static let poolSize = 512
    /// Pass when every |t| stays below this (dudect's threshold).
    static let threshold = 4.5
    /// The pooled percentiles the samples are cropped at.
    static let crops = [0.5, 0.75, 0.9, 0.99]

    /// Runs `samplesPerClass` DECIPHERs of each class; prints one line per class. Returns whether
    /// the check passed.
    static func run(samplesPerClass: Int) throws -> Bool {
        var random = SystemRandomNumberGenerator()
        let (firmware, publicKey) = try personalizedToken()
        let encryptor = try RawRSAEncryptor(publicKey)
        let k = publicKey.modulus.count
        let classes = PaddingClass.allCases

        // The pools: each class's APDUs, and for the valid class the plaintexts.
        var commands: [[[UInt8]]] = []
        var plaintexts: [[UInt8]] = []
        for paddingClass in classes {
            var pool: [[UInt8]] = []
            for _ in 0..<poolSize {
                let em = paddingClass.encodedMessage(k: k, length: plaintextLength, using: &random)
                if paddingClass == .valid { plaintexts.append(Array(em.suffix(plaintextLength))) }
                // The host library's form: Ne in the data (so it reaches the card at T=0) and as Le.
                pool.append(try CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86,
                                            data: [0x00] + encryptor.raw(em) + [UInt8(plaintextLength)],
                                            ne: plaintextLength).bytes)
            }
            commands.append(pool)
        }

        // A random interleaving of every class, after a warm-up that is not recorded.
        var schedule: [(paddingClass: Int, item: Int)] = []
        for index in classes.indices {
            for _ in 0..<samplesPerClass { schedule.append((index, Int.random(in: 0..<poolSize, using: &random))) }
        }
        schedule.shuffle(using: &random)
        for _ in 0..<min(2_000, schedule.count) {
            let (paddingClass, item) = schedule.randomElement(using: &random)!
            _ = firmware.card.process(commands[paddingClass][item])
        }

        var times = [[Double]](repeating: [], count: classes.count)
        var answers = [[String: Int]](repeating: [:], count: classes.count)
        var wrongPlaintexts = 0
        let started = DispatchTime.now().uptimeNanoseconds
        for (paddingClass, item) in schedule {
            let command = commands[paddingClass][item]
            let before = DispatchTime.now().uptimeNanoseconds
            let output = firmware.card.process(command)
            let after = DispatchTime.now().uptimeNanoseconds
            times[paddingClass].append(Double(after - before))
            guard case .response(let bytes) = output, bytes.count >= 2 else {
                answers[paddingClass]["no response", default: 0] += 1
                continue
            }
            let status = String(format: "%02X%02X", bytes[bytes.count - 2], bytes[bytes.count - 1])
            answers[paddingClass]["\(status) \(bytes.count - 2) bytes", default: 0] += 1
            if classes[paddingClass] == .valid, Array(bytes.dropLast(2)) != plaintexts[item] { wrongPlaintexts += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

        let expectedAnswer = "9000 \(plaintextLength) bytes"
        let thresholds = crops.map { percentile(times.flatMap { $0 }, $0) }
        print("DECIPHER oracle check: RSA-\(k * 8), Ne = \(plaintextLength), \(schedule.count) DECIPHERs in random order "
              + "(\(samplesPerClass) per class, \(String(format: "%.1f", seconds)) s); Welch t against \"\(PaddingClass.valid.rawValue)\", "
              + "cropped at the pooled \(crops.map { "p\(Int($0 * 100))" }.joined(separator: "/")), pass |t| < \(threshold)")
        var passed = wrongPlaintexts == 0
        for (index, paddingClass) in classes.enumerated() {
            let answerText = answers[index].sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", ")
            let sameAnswer = answers[index] == [expectedAnswer: samplesPerClass]
            var line = paddingClass.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " n=%-6d median %8.0f ns  ", times[index].count, percentile(times[index], 0.5))
            if paddingClass == .valid {
                line += "t (reference)      "
            } else {
                let t = thresholds.map { abs(welchT(cropped(times[index], $0), cropped(times[0], $0))) }.max() ?? .infinity
                let ok = t < threshold
                passed = passed && ok
                line += String(format: "max |t| %6.2f ", t) + (ok ? "ok    " : "FAIL  ")
            }
            passed = passed && sameAnswer
            print(line + "answers: \(answerText)\(sameAnswer ? "" : "  FAIL: expected only \(expectedAnswer)")")
        }
        if wrongPlaintexts > 0 { print("FAIL: \(wrongPlaintexts) valid cryptograms did not give their plaintext") }
        print(passed ? "oracle check passed" : "oracle check FAILED")
        return passed
    }

    /// A token in memory: PIN changed (so verified), a 1024-bit decryption key generated.
    static func personalizedToken() throws -> (TokenFirmware<CheckPlatform>, RSAPublicKey) {
        let memory = MemoryNVM()
        try TokenFirmware<CheckPlatform>.manufacture(memory, serial: [0x55, 0x4B, 0x4F, 0x52, 0x41, 0x43, 0x4C, 0x45],
                                                     pin: Array("123456".utf8), puk: Array("12345678".utf8),
                                                     piv: .wellKnownDefaults)
        let platform = HostPlatform(memory: memory, crypto: OpenSSLCryptoEngine(), presence: HostPresence(), clock: SystemClock())
        let firmware = TokenFirmware(platform: platform)
        let generate = try CommandAPDU(cla: 0x00, ins: 0x47, p1: 0x80, p2: decryptionKeyReference,
                                       data: [0x80, 0x01, 0x01], ne: 256).bytes
        var publicKey: [UInt8] = []
        for command in [[UInt8](hex: "00A4040C06F0554B455901")!, [UInt8](hex: "00240081" + "0E" + "06313233343536" + "06363534333231")!,
                        generate] {
            guard case .response(let r) = firmware.card.process(command), r.suffix(2) == [0x90, 0x00] else {
                throw BenchmarkError.setupFailed(command.hexString)
            }
            publicKey = Array(r.dropLast(2))
        }
        return (firmware, try RSAPublicKey(publicKeyTemplate: publicKey))
    }

    /// The value at quantile `q` (0…1) of `values`.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    static func cropped(_ values: [Double], _ limit: Double) -> [Double] { values.filter { $0 <= limit } }

    /// Welch's t statistic of two samples (0 when either has fewer than two values).
    static func welchT(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count > 1, b.count > 1 else { return 0 }
        func meanAndVariance(_ x: [Double]) -> (Double, Double) {
            let mean = x.reduce(0, +) / Double(x.count)
            return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1))
        }
        let (meanA, varianceA) = meanAndVariance(a), (meanB, varianceB) = meanAndVariance(b)
        let error = (varianceA / Double(a.count) + varianceB / Double(b.count)).squareRoot()
        return error > 0 ? (meanA - meanB) / error : 0
    }
}
