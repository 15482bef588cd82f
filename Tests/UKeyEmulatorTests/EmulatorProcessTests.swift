import UKeyTestCA
import Foundation
import PCSCTestSupport
import Testing
import UKey
import UKeyControl
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// `ukey emulator run` as a real process, on private sockets and a temporary state directory.
@Suite("ukey emulator run (a real process)", .serialized, .tags(.process))
struct EmulatorProcessTests {
    static func environment(_ directory: TemporaryDirectory) -> [String: String] {
        ["UKEY_FACTORY_PIN": EmulatorHarness.factoryPIN, "UKEY_FACTORY_PUK": EmulatorHarness.factoryPUK,
         "HOME": directory.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            .merging(EmulatorHarness.pivEnvironment) { $1 }
    }

    static func arguments(_ directory: TemporaryDirectory, _ extra: [String] = []) -> [String] {
        ["--state", directory.file("state"), "--listen", "127.0.0.1:0", "--listen", "unix:" + directory.file("usbip.sock"),
         "--confirm", "approve"] + extra
    }

    /// Runs `body` with a started emulator process; always stops it and removes the directory.
    static func withProcess(_ extra: [String] = [], directory: TemporaryDirectory? = nil,
                            _ body: (EmulatorProcess, TemporaryDirectory) async throws -> Void) async throws {
        let ownsDirectory = directory == nil
        let directory = try directory ?? TemporaryDirectory()
        defer { if ownsDirectory { directory.remove() } }
        let process = try EmulatorProcess(arguments: arguments(directory, extra), environment: environment(directory), listeners: 2)
        defer { process.kill() }
        try await body(process, directory)
    }

    @Test("prints one line per listener with the real port, and serves USB/IP over TCP and the unix socket")
    func listeners() async throws {
        try await Self.withProcess(["--tokens", "2"]) { process, directory in
            #expect(process.addresses.count == 2)
            let tcp = try #require(process.addresses.first)
            #expect(tcp.hasPrefix("127.0.0.1:") && !tcp.hasSuffix(":0"))
            #expect(process.addresses.last == "unix:" + directory.file("usbip.sock"))
            for address in process.addresses {
                #expect(try USBIPTestClient(address).devlist().devices.count == 2)
            }
        }
    }

    @Test("ukey emulator status --json answers through the control socket")
    func statusCommand() async throws {
        try await Self.withProcess { process, directory in
            let status = Process()
            status.executableURL = try EmulatorProcess.binary()
            status.arguments = ["emulator", "status", "--state", directory.file("state"), "--json"]
            let pipe = Pipe()
            status.standardOutput = pipe
            try status.run()
            status.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let reply = try ControlLine.decode(ControlReply.self, from: Array(text.utf8.prefix { $0 != 0x0A }))
            #expect(status.terminationStatus == 0)
            guard case .status(let emulator) = reply else { Issue.record("not a status reply: \(text)"); return }
            #expect(emulator.listeners == process.addresses)
        }
    }

    @Test("SIGTERM: exit status 0, control.sock and the unix listener removed")
    func sigterm() async throws {
        try await Self.withProcess { process, directory in
            #expect(access(directory.file("state/control.sock"), F_OK) == 0)
            #expect(process.terminate() == 0)
            #expect(access(directory.file("state/control.sock"), F_OK) != 0)
            #expect(access(directory.file("usbip.sock"), F_OK) != 0)
        }
    }

    @Test("a second emulator on the same state directory exits with a clear error")
    func locked() async throws {
        try await Self.withProcess { _, directory in
            do {
                let second = try EmulatorProcess(arguments: ["--state", directory.file("state"), "--listen", "127.0.0.1:0"],
                                                 environment: Self.environment(directory), listeners: 1)
                second.kill()
                Issue.record("a second emulator started on a locked state directory")
            } catch {
                #expect("\(error)".contains("in use by another emulator"), "\(error)")
            }
        }
    }

    @Test("the personalization transcript through the process; the new PIN and both counters survive a restart",
          .tags(.tokenDevice))
    func transcriptAndRestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var serial = ""
        try await Self.withProcess(directory: directory) { process, _ in
            let client = try USBIPTestClient(process.addresses[0])
            #expect(try client.importDevice("1-1").status == .ok)
            _ = try client.powerOn()
            let result = try await TranscriptRunner(channel: USBIPCardChannel(client: client),
                                                    steps: TranscriptSteps.standard(ca: TestCertificateAuthority()),
                                                    environment: CCIDOverUSBIPTests.environment).run(CCIDOverUSBIPTests.transcript())
            serial = try #require(result.captures["serial"])
            #expect(process.terminate() == 0)
        }
        try await Self.withProcess(directory: directory) { process, _ in
            let client = try USBIPTestClient(process.addresses[1])
            #expect(try client.importDevice("1-1").status == .ok)
            _ = try client.powerOn()
            #expect(try client.transmit([0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]) == [0x90, 0x00])
            let pin = Array("24681357".utf8)
            #expect(try client.transmit([0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin) == [0x90, 0x00], "the new PIN")
            let info = try client.transmit([0x00, 0xCA, 0x01, 0x00, 0x00])
            #expect(info.hexString.contains("C008" + serial))
            // The transcript confirmed one transfer (transfer counter C5 = 1) and made a SIGN and
            // an INTERNAL AUTHENTICATE with the authentication key (its counter CA = 2).
            #expect(info.hexString.contains("C50400000001"), "the transfer counter survived")
            #expect(info.hexString.contains("CA0400000002"), "the authentication counter survived")
        }
    }
}
