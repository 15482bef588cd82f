import COpenSSL
import Foundation
import HostPlatform
import ISO7816
import PCSCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7: a local attacker who reads the logs and traces finds no PIN, PUK or key bytes.
///
/// The whole demo (`scripts/demo.sh`) runs with `--trace` everywhere (`UKEY_DEMO_TRACE=1`: the
/// emulator, `ukey pcscd start --trace` with the driver's trace, every `ukey` command that takes
/// `--trace`), then a second round on the same token unblocks the PIN with the PUK, verifies the
/// new PIN, generates the authentication key and signs with it, again traced. Every log, output and file outside the emulator's state is
/// searched for the factory PIN, the PUK and both PINs (ASCII, and hex with any separators) and
/// for every 16-byte window of the token keys' private numbers (d, p, q, dP, dQ, qInv, read
/// from the token's NVM image as only a test can) in hex.
@Suite("A local attacker cannot find a PIN or key bytes in logs or traces", .serialized,
       .enabled(if: SoakStack.available), .tags(.process))
struct TraceLeakTests {
    // Ten digits each, so that none turns up by chance in the logs' timestamps and ports.
    static let factoryPIN = "7391462850", factoryPUK = "5820739164", pin = "9164037285", unblockedPIN = "4072951836"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the traced demo and a traced PUK unblock leave no PIN, PUK or private-key bytes in any log")
    func tracedDemo() async throws {
        let (texts, components) = try await PCSCTestStack.blocking { try Self.runTraced() }
        #expect(components.count == 12 && components[0].count >= 120,
                "d, p, q, dP, dQ, qInv of the transfer key (the demo's) and the authentication key (the PUK round's) from the NVM image")
        let finder = LeakFinder(secrets: [Self.factoryPIN, Self.factoryPUK, Self.pin, Self.unblockedPIN], keyComponents: components)

        // The scanner finds what it looks for, with any separators.
        let window = Array(components[1][10..<26])
        #expect(!finder.leaks(in: "x " + window.map { String(format: "%02x", $0) }.joined(separator: ":") + " y").isEmpty)
        #expect(!finder.leaks(in: "VERIFY " + Array(Self.pin.utf8).map { String(format: "%02X", $0) }.joined(separator: " ")).isEmpty)

        // The traces were on: each hop wrote lines.
        let all = texts.values.joined(separator: "\n")
        #expect(all.contains("ukey-driver: "), "the driver's trace is in pcscd.log")
        #expect(all.contains("trace pcsc "), "the ukey commands traced their PC/SC calls")
        #expect(all.contains("trace 1-1 usbip "), "the emulator traced its USB/IP messages")
        #expect(all.contains("••••"), "VERIFY data was shown redacted")

        for (name, text) in texts.sorted(by: { $0.key < $1.key }) {
            let leaks = finder.leaks(in: text)
            #expect(leaks.isEmpty, "\(name) leaks: \(leaks)")
            #expect(!text.contains("PRIVATE KEY"), "\(name) holds no PEM private key")
        }
    }

    /// Runs the traced demo and the PUK round; returns every text to search (by name) and the
    /// token key's private numbers.
    static func runTraced() throws -> (texts: [String: String], components: [[UInt8]]) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let work = directory.file("demo")
        let binary = try EmulatorProcess.binary()
        let base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path]
        var texts: [String: String] = [:]

        let demo = try TestProcess.run(SoakStack.nice + [repository.appendingPathComponent("scripts/demo.sh").path,
                                                         binary.deletingLastPathComponent().path],
                                       environment: base.merging(["UKEY_DEMO_TRACE": "1", "UKEY_DEMO_DIR": work,
                                                                  "UKEY_FACTORY_PIN": factoryPIN, "UKEY_FACTORY_PUK": factoryPUK,
                                                                  "UKEY_NEW_PIN": pin]) { $1 }, timeout: 300)
        guard demo.status == 0 else { throw StackError("the traced demo failed:\n\(demo)") }
        texts["demo stdout"] = demo.stdout
        texts["demo stderr"] = demo.stderr

        // Second round on the same token: the PUK sets a new PIN, which then verifies and signs.
        let state = work + "/emulator"
        let emulator = try EmulatorProcess(arguments: ["--state", state, "--listen", "unix:" + work + "/usbip.sock",
                                                       "--confirm", "approve", "--trace"], environment: base, listeners: 1)
        defer { emulator.kill() }
        SoakStack.lowerPriority(process: emulator.process.processIdentifier)
        let pcscdDirectory = work + "/pcscd-puk"
        func ukey(_ arguments: [String], _ secrets: [String: String] = [:]) throws {
            let environment = base.merging(["PCSCLITE_CSOCK_NAME": pcscdDirectory + "/run/pcscd.comm"].merging(secrets) { $1 }) { $1 }
            let out = try TestProcess.run(SoakStack.nice + [binary.path] + arguments, environment: environment)
            texts["ukey " + arguments.prefix(3).joined(separator: " ")] = out.combined
            guard out.status == 0 else { throw StackError("ukey \(arguments.joined(separator: " ")) failed:\n\(out)") }
        }
        try ukey(["pcscd", "start", "--state", state, "--dir", pcscdDirectory, "--trace"])
        defer { _ = try? TestProcess.run([binary.path, "pcscd", "stop", "--dir", pcscdDirectory]) }
        try ukey(["token", "pin", "unblock", "--trace"], ["UKEY_PUK": factoryPUK, "UKEY_NEW_PIN": unblockedPIN])
        try ukey(["token", "pin", "verify", "--trace"], ["UKEY_PIN": unblockedPIN])
        // SIGN and INTERNAL AUTHENTICATE use the authentication key, which the demo (transfer key
        // only) did not make: generated here, traced, and searched for like the transfer key.
        try ukey(["token", "keygen", "--key", "auth", "--trace"], ["UKEY_PIN": unblockedPIN])
        try ukey(["token", "sign", "--digest", String(repeating: "5A", count: 32), "--trace"], ["UKEY_PIN": unblockedPIN])
        try ukey(["token", "auth", "--challenge", String(repeating: "C3", count: 16), "--trace"], ["UKEY_PIN": unblockedPIN])
        _ = try TestProcess.run([binary.path, "pcscd", "stop", "--dir", pcscdDirectory])
        _ = emulator.terminate()
        texts["emulator (PUK round)"] = (emulator.output.all + emulator.errors.all).joined(separator: "\n")

        // Every file the two rounds left outside the emulator's state: logs, outputs, the bank's files.
        let files = FileManager.default.enumerator(atPath: work)
        while let name = files?.nextObject() as? String {
            let path = work + "/" + name
            var info = stat()
            guard !name.hasPrefix("emulator/"), lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            // The CA's own key is the bank's, not the token's: only its PEM marker is expected there.
            texts[name] = name == "bank/ca-key.pem" ? "" : String(decoding: data, as: UTF8.self)
        }
        guard texts["emulator.log"] != nil, texts["pcscd/pcscd.log"] != nil else {
            throw StackError("the demo left no emulator.log or pcscd/pcscd.log in \(work): \(texts.keys.sorted())")
        }
        return (texts, try privateComponents(tokenDirectory: state + "/1-1"))
    }

    /// The private RSA numbers inside the token's banking key blobs, read from its NVM image
    /// (records 0110–0112, the transfer, authentication and decryption key records; 83 holds
    /// the engine's blob, a DER private key). At least one key must be there.
    static func privateComponents(tokenDirectory: String) throws -> [[UInt8]] {
        let memory = try FileNVM(directory: tokenDirectory)
        var components: [[UInt8]] = []
        for record: UInt16 in [0x0110, 0x0111, 0x0112] {
            guard let bytes = memory.read(record) else { continue }
            guard let blob = try TLV(parsing: bytes).children().first(0x83)?.value else {
                throw StackError("key record \(String(record, radix: 16)) in \(tokenDirectory)/nvm has no blob")
            }
            components += try privateComponents(blob: blob)
        }
        guard !components.isEmpty else { throw StackError("no key record in \(tokenDirectory)/nvm") }
        return components
    }

    /// The private RSA numbers of one DER private key blob.
    static func privateComponents(blob: [UInt8]) throws -> [[UInt8]] {
        guard let key = blob.withUnsafeBufferPointer({ buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }) else { throw StackError("the key blob is not a DER private key") }
        defer { EVP_PKEY_free(key) }
        return ["d", "rsa-factor1", "rsa-factor2", "rsa-exponent1", "rsa-exponent2", "rsa-coefficient1"].compactMap { name in
            var number: OpaquePointer? = nil
            guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return nil }
            defer { BN_free(number) }
            var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
            BN_bn2bin(number, &bytes)
            return bytes
        }
    }
}

/// Finds secrets in text: each secret string as written, and its bytes in hex; every 16-byte
/// window of the key components in hex. Hex is searched in the text's hex digits alone
/// (upper-cased, everything else dropped), so `31 32`, `31:32` and `3132` all match.
struct LeakFinder {
    let secrets: [String]
    private let hexSecrets: [(name: String, hex: [UInt8])]
    private let keyWindows: Set<ArraySlice<UInt8>>
    static let window = 16

    init(secrets: [String], keyComponents: [[UInt8]]) {
        self.secrets = secrets
        hexSecrets = secrets.enumerated().map { ("secret \($0.offset) in hex", Array(Array($0.element.utf8).hexString.utf8)) }
        var windows = Set<ArraySlice<UInt8>>()
        for component in keyComponents where component.count >= Self.window {
            for start in 0...(component.count - Self.window) {
                windows.insert(ArraySlice(Array(Array(component[start..<start + Self.window]).hexString.utf8)))
            }
        }
        keyWindows = windows
    }

    /// What leaks in `text` (described without the secret itself).
    func leaks(in text: String) -> [String] {
        var found: [String] = []
        for (index, secret) in secrets.enumerated() where text.contains(secret) { found.append("secret \(index) in ASCII") }
        let digits = Array(text.utf8).compactMap { byte -> UInt8? in
            switch byte {
            case 0x30...0x39, 0x41...0x46: return byte
            case 0x61...0x66: return byte - 0x20
            default: return nil
            }
        }
        for (name, hex) in hexSecrets where Self.contains(digits, hex) { found.append(name) }
        let width = Self.window * 2
        if digits.count >= width {
            for start in 0...(digits.count - width) where keyWindows.contains(digits[start..<start + width]) {
                found.append("16 bytes of the private key at hex digit \(start)")
                break
            }
        }
        return found
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
