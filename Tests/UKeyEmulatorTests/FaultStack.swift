import Foundation
import PCSCTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What the fault-injection tests (issue 20) run against: `ukey emulator run` (one token,
/// `--confirm approve`) on a unix USB/IP socket and a private pcscd with one UKey driver reader,
/// whose APDU time limit is 3 s (`UKEY_DRIVER_APDU_TIME_LIMIT`) so `--no-answer` ends soon.
/// Stock clients: pyscard (`Scripts/fault_client.py`) and the `ukey` command line (the host
/// library). ``stop()`` stops both and removes the directory; tests call it in `defer`.
final class FaultStack: @unchecked Sendable {
    static let factoryPIN = "123456"
    static let factoryPUK = "87654321"
    static let apduTimeLimitSeconds = 3
    static let select = "00A4040006F0554B455901"
    static let getData = "00CA010000"

    let directory: TemporaryDirectory
    let emulator: EmulatorProcess
    let pcscd: PCSCDHarness
    /// The reader's PC/SC name, once seen.
    private(set) var reader = "UKey 1-1 00 00"

    static var available: Bool {
        PCSCDClient.available && (try? EmulatorProcess.binary()) != nil
            && FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/smartcard/__init__.py")
    }

    var stateDirectory: String { directory.file("state") }

    init(extraArguments: [String] = []) throws {
        directory = try TemporaryDirectory()
        let socket = directory.file("usbip.sock")
        do {
            emulator = try EmulatorProcess(arguments: ["--state", directory.file("state"), "--tokens", "1",
                                                       "--listen", "unix:" + socket, "--confirm", "approve"] + extraArguments,
                                           environment: ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK,
                                                         "HOME": directory.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
                                               .merging(EmulatorHarness.pivEnvironment) { $1 },
                                           listeners: 1)
        } catch {
            directory.remove()
            throw error
        }
        do {
            let entry = PCSCDHarness.ReaderEntry(friendlyName: "UKey 1-1", deviceName: "usbip:unix:\(socket)/1-1",
                                                 libraryPath: PCSCDClient.driverLibrary!)
            pcscd = try PCSCDHarness(readers: [entry], debug: true,
                                     daemonEnvironment: ["UKEY_DRIVER_APDU_TIME_LIMIT": String(Self.apduTimeLimitSeconds)])
        } catch {
            emulator.kill()
            directory.remove()
            throw error
        }
        do {
            try waitForToken()
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        pcscd.stop()
        _ = emulator.terminate(timeout: 5)
        directory.remove()
    }

    private func waitForToken() throws {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let out = try ukey(["readers", "--json"])
            if let readers = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]],
               let found = readers.first(where: { ($0["name"] as? String)?.hasPrefix("UKey 1-1") == true && $0["hasCard"] as? Bool == true }),
               let name = found["name"] as? String {
                reader = name
                return
            }
            guard Date() < deadline else { throw StackError("token 1-1 not seen through pcscd:\n\(out)\n\(pcscd.log.suffix(2000))") }
            usleep(200_000)
        }
    }

    /// `ukey ARGUMENTS` against the private pcscd; secrets go in `secrets` (the environment).
    func ukey(_ arguments: [String], secrets: [String: String] = [:], timeout: Double = 60) throws -> TestProcess.Output {
        try TestProcess.run([try EmulatorProcess.binary().path] + arguments, environment: pcscd.environment.merging(secrets) { $1 },
                            timeout: timeout)
    }

    /// `ukey emulator fault ARGUMENTS --token 1-1` on this emulator; throws when it fails.
    @discardableResult
    func fault(_ arguments: [String]) throws -> TestProcess.Output {
        let out = try ukey(["emulator", "fault"] + arguments + ["--state", stateDirectory, "--token", "1-1"])
        guard out.status == 0 else { throw StackError("ukey emulator fault \(arguments.joined(separator: " ")) failed:\n\(out)") }
        return out
    }

    /// `ukey emulator VERB ARGUMENTS` (insert, remove, …) on this emulator.
    @discardableResult
    func control(_ verb: String, _ arguments: [String] = []) throws -> TestProcess.Output {
        try ukey(["emulator", verb] + arguments + ["--state", stateDirectory, "--token", "1-1"])
    }

    /// One step of `fault_client.py`: what pyscard saw.
    struct Step: CustomStringConvertible {
        var step: String
        var result: String
        var sw: String?
        var length: Int?
        var milliseconds: Double
        var atr: String?

        var description: String { "\(step) → \(result) \(sw ?? "") \(milliseconds) ms" }
    }

    /// Runs `fault_client.py` with these steps (hex APDUs, `reconnect`, `status`, `wait-present S`).
    func pyscard(_ steps: [String], timeout: Double = 90) throws -> [Step] {
        let script = Bundle.module.url(forResource: "Scripts", withExtension: nil)!.appendingPathComponent("fault_client.py").path
        let environment = pcscd.environment.merging(["UKEY_FACTORY_PIN": Self.factoryPIN]) { $1 }
        let out = try TestProcess.run(["/usr/bin/python3", script, "--reader", reader] + steps, environment: environment,
                                      timeout: timeout)
        var parsed: [Step] = []
        for line in out.stdout.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            parsed.append(Step(step: object["step"] as? String ?? "", result: object["result"] as? String ?? "",
                               sw: object["sw"] as? String, length: object["length"] as? Int,
                               milliseconds: object["ms"] as? Double ?? 0, atr: object["atr"] as? String))
        }
        guard parsed.first?.result == "SCARD_S_SUCCESS" else { throw StackError("fault_client.py could not connect:\n\(out)") }
        return Array(parsed.dropFirst())
    }
}
