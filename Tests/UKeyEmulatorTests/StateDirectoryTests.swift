import Foundation
import HostPlatform
import Testing
import TokenDevice
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

@Suite("Emulator state directory", .serialized)
struct StateDirectoryTests {
    @Test("a state directory that group or others can access is refused with the chmod to run")
    func unsafeDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.file("state")
        mkdir(state, 0o755)
        chmod(state, 0o755)
        do {
            _ = try EmulatorHarness(directory: directory)
            Issue.record("an emulator started on a 0755 state directory")
        } catch let error as EmulatorError {
            #expect(error.description.contains("chmod 700 \(state)"), "\(error)")
        }
    }

    @Test("the state directory is created 0700, tokens get 1-k directories, control.sock is 0600")
    func layout() throws {
        let harness = try EmulatorHarness { $0.tokens = 2 }
        defer { harness.stop() }
        var info = stat()
        #expect(stat(harness.directory.file("state"), &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(harness.directory.file("state/1-1"), &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(harness.directory.file("state/1-2/nvm"), &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(harness.emulator.controlSocketPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(harness.directory.file("usbip.sock"), &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Secrets from the environment are never written or printed.
        #expect(access(harness.directory.file("state/1-1/factory-secrets"), F_OK) != 0)
        let printed = (harness.output.all + harness.diagnostics.all).joined(separator: "\n")
        #expect(!printed.contains(EmulatorHarness.factoryPIN) && !printed.contains(EmulatorHarness.factoryPUK))
    }

    @Test("two emulators cannot share a state directory: the second is refused, the lock is freed on stop")
    func lock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try EmulatorHarness(directory: directory)
        do {
            _ = try EmulatorHarness(directory: directory) { $0.listen = [.tcp(host: "127.0.0.1", port: 0)] }
            Issue.record("a second emulator took the same state directory")
        } catch let error as EmulatorError {
            #expect(error == .stateDirectoryLocked(directory.file("state")))
        }
        first.stopEmulator()
        let second = try EmulatorHarness(directory: directory)
        second.stopEmulator()
    }

    @Test("a stopped emulator removes control.sock and its unix listener")
    func cleanStop() throws {
        let harness = try EmulatorHarness()
        defer { harness.directory.remove() }
        harness.stopEmulator()
        #expect(access(harness.emulator.controlSocketPath, F_OK) != 0)
        #expect(access(harness.directory.file("usbip.sock"), F_OK) != 0)
    }

    @Test("tokens keep their serial across restarts")
    func persistence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try EmulatorHarness(directory: directory) { $0.tokens = 2 }
        let serials = first.emulator.serials.map(\.serial)
        first.stopEmulator()
        let second = try EmulatorHarness(directory: directory) { $0.tokens = 2 }
        defer { second.stopEmulator() }
        #expect(second.emulator.serials.map(\.serial) == serials)
        #expect(Set(serials).count == 2, "each token has its own random serial")
    }

    @Test("random factory secrets go to factory-secrets (0600) and are shown only when allowed")
    func generatedSecrets() throws {
        for show in [false, true] {
            let harness = try EmulatorHarness {
                $0.environment = ["HOME": "/nonexistent"]
                $0.showFactorySecrets = show
            }
            defer { harness.stop() }
            let file = harness.directory.file("state/1-1/factory-secrets")
            var info = stat()
            #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let pin = try #require(text.split(separator: "\n").first { $0.hasPrefix("PIN=") }).dropFirst(4)
            let puk = try #require(text.split(separator: "\n").first { $0.hasPrefix("PUK=") }).dropFirst(4)
            #expect(pin.count == 6 && pin.allSatisfy(\.isNumber))
            #expect(puk.count == 8 && puk.allSatisfy(\.isNumber))
            let pivPIN = try #require(text.split(separator: "\n").first { $0.hasPrefix("PIV_PIN=") }).dropFirst(8)
            let pivPUK = try #require(text.split(separator: "\n").first { $0.hasPrefix("PIV_PUK=") }).dropFirst(8)
            let managementKey = try #require(text.split(separator: "\n").first { $0.hasPrefix("MGMKEY=") }).dropFirst(7)
            #expect(pivPIN.count == 6 && pivPIN.allSatisfy(\.isNumber))
            #expect(pivPUK.count == 8 && pivPUK.allSatisfy(\.isNumber))
            #expect(managementKey.count == 48 && managementKey.allSatisfy(\.isHexDigit))
            #expect(harness.output.all.joined().contains(String(managementKey)) == show)
            #expect(!harness.diagnostics.all.joined().contains(String(managementKey)), "never in the log")
            let output = harness.output.all.joined(separator: "\n")
            #expect(output.contains(String(pin)) == show, "the PIN is on the terminal only when allowed")
            #expect(!harness.diagnostics.all.joined().contains(String(pin)), "never in the log")
        }
    }

    @Test("malformed PIV factory secrets are refused without showing them",
          arguments: [("UKEY_FACTORY_PIV_PIN", "12345"), ("UKEY_FACTORY_PIV_PIN", "123456789"), ("UKEY_FACTORY_PIV_PUK", "1234567a"),
                      ("UKEY_FACTORY_MGMKEY", "0102030405060708"), ("UKEY_FACTORY_MGMKEY", String(repeating: "zz", count: 24))])
    func badPIVSecret(variable: String, value: String) throws {
        do {
            let harness = try EmulatorHarness {
                $0.environment = $0.environment.merging([variable: value]) { $1 }
            }
            harness.stop()
            Issue.record("\(variable) accepted")
        } catch let error as EmulatorError {
            #expect(error.description.contains(variable))
            #expect(!error.description.contains(value))
        }
    }

    @Test("a token made before the PIV applet gets PIV secrets at its next start, banking state kept")
    func pivUpgrade() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try EmulatorHarness(directory: directory)
        let serial = first.emulator.serials.map(\.serial)
        first.stopEmulator()
        // Remove the PIV records as a firmware without the applet would have left the token.
        do {
            let memory = try FileNVM(directory: directory.file("state/1-1"))
            try memory.commit([(0x0201, nil), (0x0202, nil), (0x0203, nil)])
            #expect(TokenFirmware<HostPlatform<FileNVM, SystemClock>>.needsPIV(memory))
        }
        let second = try EmulatorHarness(directory: directory) { $0.environment["UKEY_FACTORY_MGMKEY"] = nil }
        defer { second.stopEmulator() }
        #expect(second.emulator.serials.map(\.serial) == serial)
        let text = try String(contentsOfFile: directory.file("state/1-1/factory-secrets"), encoding: .utf8)
        #expect(text.split(separator: "\n").map { $0.prefix(7) } == ["MGMKEY="], "only the generated key is written")
        #expect(second.diagnostics.all.contains { $0.contains("given the PIV applet's secrets") })
    }

    @Test("a malformed UKEY_FACTORY_PIN is refused without showing it", arguments: ["12345", "12345a", "12345678901234567"])
    func badFactoryPIN(pin: String) throws {
        do {
            let harness = try EmulatorHarness { $0.environment = ["UKEY_FACTORY_PIN": pin, "UKEY_FACTORY_PUK": "87654321"] }
            harness.stop()
            Issue.record("PIN \(pin.count) characters accepted")
        } catch let error as EmulatorError {
            #expect(error.description.contains("UKEY_FACTORY_PIN"))
            #expect(!error.description.contains(pin))
        }
    }
}
