import Foundation
import PCSCTestSupport
import UKey
#if canImport(Glibc)
import Glibc
#endif

/// What the soak runs against: `ukey emulator run --tokens 4 --confirm approve` (a process, so
/// that its VmRSS can be watched) on a unix USB/IP socket, a private pcscd with one UKey driver
/// reader per token, and the four tokens personalized through the `ukey` command line (PIN
/// changed, RSA-1024 key made on the card, CSR certified by a test CA, certificate stored).
/// ``stop()`` stops pcscd and the emulator and removes the directory.
final class SoakStack: @unchecked Sendable {
    static let busids = ["1-1", "1-2", "1-3", "1-4"]
    static let factoryPIN = "123456"
    static let factoryPUK = "87654321"
    static let pin = "24681357"

    /// One personalized token as the clients need it.
    struct Token: Sendable {
        var busid: String
        /// The exact PC/SC reader name (`UKey 1-2 01 00`).
        var reader: String
        var serial: String
        /// The transfer key (CONFIRM TRANSFER) and the authentication key (SIGN).
        var transferKey: RSAPublicKey
        var authenticationKey: RSAPublicKey
        /// The counters after personalization.
        var counters: Counters
    }

    /// The transfer counter (advanced by CONFIRM TRANSFER only) and the authentication counter
    /// (SIGN, INTERNAL AUTHENTICATE), from `ukey token info --json`.
    struct Counters: Sendable, Equatable {
        var transfer: Int
        var authentication: Int
    }

    let directory: TemporaryDirectory
    let emulator: EmulatorProcess
    let pcscd: PCSCDHarness
    private(set) var tokens: [Token] = []

    static var available: Bool {
        PCSCDClient.available && (try? EmulatorProcess.binary()) != nil
            && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/smartcard/__init__.py")
    }

    /// The soak and the traced demo run at a lower CPU priority (nice 10, like `make soak`'s
    /// advice for long jobs): in `make test` they share two cores with every other suite, whose
    /// timing expectations should not pay for them. `nice -n 10` before a command, and
    /// ``lowerPriority(_:)`` for what is already running.
    static let nice = ["/usr/bin/nice", "-n", "10"]

    static func lowerPriority(process pid: pid_t) { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), 10) }
    static func lowerPriority(group: pid_t) { _ = setpriority(__priority_which_t(PRIO_PGRP.rawValue), id_t(group), 10) }

    init() throws {
        directory = try TemporaryDirectory()
        let socket = directory.file("usbip.sock")
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory.file("state"), "--tokens", String(Self.busids.count),
                                                       "--listen", "unix:" + socket, "--confirm", "approve"],
                                           environment: ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK,
                                                         "HOME": directory.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
                                               .merging(EmulatorHarness.pivEnvironment) { $1 },
                                           listeners: 1)
        } catch {
            directory.remove()
            throw error
        }
        Self.lowerPriority(process: emulator.process.processIdentifier)
        do {
            let entries = Self.busids.map { busid in
                PCSCDHarness.ReaderEntry(friendlyName: "UKey \(busid)", deviceName: "usbip:unix:\(socket)/\(busid)",
                                         libraryPath: PCSCDClient.driverLibrary!)
            }
            pcscd = try PCSCDHarness(readers: entries)
            Self.lowerPriority(group: pcscd.processGroup)
        } catch {
            emulator.kill()
            directory.remove()
            throw error
        }
        do {
            try personalize()
        } catch {
            stop()
            throw error
        }
    }

    /// The emulator's VmRSS in bytes (`/proc/PID/status`).
    var emulatorResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(emulator.process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        directory.remove()
    }

    /// `ukey ARGUMENTS` against the private pcscd; secrets go in `secrets` (the environment).
    func ukey(_ arguments: [String], secrets: [String: String] = [:], timeout: Double = 60) throws -> TestProcess.Output {
        let environment = pcscd.environment.merging(secrets) { $1 }
        return try TestProcess.run(Self.nice + [try EmulatorProcess.binary().path] + arguments, environment: environment, timeout: timeout)
    }

    /// `ukey ARGUMENTS --json`, decoded; throws with the output when it fails.
    func ukeyJSON(_ arguments: [String], secrets: [String: String] = [:]) throws -> [String: Any] {
        let out = try ukey(arguments + ["--json"], secrets: secrets)
        guard out.status == 0, let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else {
            throw StackError("ukey \(arguments.joined(separator: " ")) failed:\n\(out)")
        }
        return object
    }

    /// The token's serial, reader name and counters (`ukey token info --json`).
    func info(_ busid: String) throws -> (reader: String, serial: String, counters: Counters) {
        let reply = try ukeyJSON(["token", "info", "--reader", "UKey \(busid) "])
        guard let reader = reply["reader"] as? String, let info = reply["info"] as? [String: Any],
              let serial = info["serial"] as? String, let transfer = info["transferCounter"] as? Int,
              let authentication = info["authenticationCounter"] as? Int else {
            throw StackError("ukey token info for \(busid): unexpected reply \(reply)")
        }
        return (reader, serial, Counters(transfer: transfer, authentication: authentication))
    }

    private func personalize() throws {
        try waitForTokens()
        let bank = directory.file("bank")
        _ = try ukey(["ca", "init", "--dir", bank])
        for busid in Self.busids {
            let reader = ["--reader", "UKey \(busid) "]
            _ = try ukeyJSON(["token", "pin", "change"] + reader, secrets: ["UKEY_PIN": Self.factoryPIN, "UKEY_NEW_PIN": Self.pin])
            // The transfer key waits for the holder's OK: the emulator runs with --confirm approve.
            var keys: [String: RSAPublicKey] = [:]
            for key in ["transfer", "auth"] {
                let generated = try ukeyJSON(["token", "keygen", "--key", key] + reader, secrets: ["UKEY_PIN": Self.pin])
                guard let pem = generated["publicKey"] as? String else { throw StackError("keygen --key \(key) printed no publicKey") }
                keys[key] = try Self.publicKey(pem: pem)
                let csr = directory.file("\(busid)-\(key).csr"), certificate = directory.file("\(busid)-\(key).pem")
                _ = try ukeyJSON(["token", "csr", "--key", key, "--subject", "CN=Soak \(busid)", "--out", csr] + reader,
                                 secrets: ["UKEY_PIN": Self.pin])
                // The bank certifies a transfer CSR only for the transfer key it read from the card
                // (`ukey token pubkey --key transfer`); the authentication key gets a clientAuth one.
                let profile: [String]
                if key == "transfer" {
                    let read = try ukeyJSON(["token", "pubkey", "--key", key] + reader)
                    guard let recorded = read["publicKey"] as? String, recorded == pem else {
                        throw StackError("pubkey --key transfer does not read the key keygen made: \(read)")
                    }
                    let recordedFile = directory.file("\(busid)-transfer-key.pem")
                    try Data(recorded.utf8).write(to: URL(fileURLWithPath: recordedFile))
                    profile = ["--transfer", "--transfer-key", recordedFile]
                } else {
                    profile = ["--client-auth"]
                }
                let issued = try ukey(["ca", "issue", "--dir", bank] + profile + ["--csr", csr, "--out", certificate])
                guard issued.status == 0 else { throw StackError("ukey ca issue failed:\n\(issued)") }
                _ = try ukeyJSON(["token", "cert", "put", "--key", key, certificate] + reader, secrets: ["UKEY_PIN": Self.pin])
            }
            let (name, serial, counters) = try info(busid)
            tokens.append(Token(busid: busid, reader: name, serial: serial, transferKey: keys["transfer"]!,
                                authenticationKey: keys["auth"]!, counters: counters))
        }
    }

    /// Waits up to 20 s until every token answers `ukey token info`.
    private func waitForTokens() throws {
        let deadline = Date().addingTimeInterval(20)
        for busid in Self.busids {
            while (try? info(busid)) == nil {
                guard Date() < deadline else { throw StackError("token \(busid) not reachable through pcscd:\n\(pcscd.log.suffix(2000))") }
                usleep(100_000)
            }
        }
    }

    /// A `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo) as an ``RSAPublicKey``.
    static func publicKey(pem: String) throws -> RSAPublicKey {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body) else { throw StackError("public key PEM does not decode") }
        return try RSAPublicKey(derSubjectPublicKeyInfo: Array(der))
    }
}
