import Foundation
import PCSCTestSupport
import UKey
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// PC/SC clients for the pcscd tests: `Scripts/pcsc_ctypes.py` (libpcsclite through ctypes, so
/// no pyscard is needed) run with /usr/bin/python3, plus the built `ukey` and `libifd-ukey.so`.
enum PCSCDClient {
    static let python = "/usr/bin/python3"
    static let SCARD_W_REMOVED_CARD: UInt32 = 0x8010_0069
    static let SCARD_E_READER_UNAVAILABLE: UInt32 = 0x8010_0017
    static let SCARD_E_NO_SMARTCARD: UInt32 = 0x8010_000C
    static let SCARD_E_NOT_TRANSACTED: UInt32 = 0x8010_0016

    static var script: String {
        Bundle.module.url(forResource: "Scripts", withExtension: nil)!.appendingPathComponent("pcsc_ctypes.py").path
    }

    /// The built driver: `UKEY_DRIVER_LIBRARY`, else next to the `ukey` binary of this build.
    static var driverLibrary: String? { EmulatorProcess.driverLibrary }

    static var available: Bool {
        driverLibrary != nil && PCSCDHarness.isAvailable && FileManager.default.isExecutableFile(atPath: python)
            && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libpcsclite.so.1")
    }

    /// One reader entry per token of `emulator`, on its TCP listener: `UKey 1-k`.
    static func readers(_ emulator: EmulatorHarness) -> [PCSCDHarness.ReaderEntry] {
        emulator.emulator.serials.map { token in
            PCSCDHarness.ReaderEntry(friendlyName: "UKey \(token.busid)",
                                     deviceName: "usbip:\(emulator.tcpAddress)/\(token.busid)", libraryPath: driverLibrary!)
        }
    }

    @discardableResult
    static func run(_ arguments: [String], _ pcscd: PCSCDHarness, timeout: Double = 60) throws -> TestProcess.Output {
        try TestProcess.run([python, script] + arguments, environment: pcscd.environment, timeout: timeout)
    }

    /// Waits until pcscd lists `count` readers with a card; returns the names.
    static func waitForReaders(_ count: Int, _ pcscd: PCSCDHarness) throws -> [String] {
        var names: [String] = []
        for _ in 0..<100 {
            names = try run(["readers"], pcscd).stdout.split(separator: "\n").map(String.init)
            if names.count >= count { return names }
            usleep(100_000)
        }
        return names
    }
}

/// A ``CardChannel`` through pcscd: one `pcsc_ctypes.py serve READER` process holding one
/// SCardConnect, an APDU per line. Blocking reads happen on a dispatch thread, not the pool.
final class PCSCDCardChannel: CardChannel, @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending = Data()
    private let queue = DispatchQueue(label: "pcscd-card-channel")

    /// A PC/SC error code the script reported instead of a response.
    struct PCSCFailure: Error, CustomStringConvertible {
        var code: UInt32
        var description: String { String(format: "PC/SC error 0x%08X", code) }
    }

    /// `false` for a T=0 card: the transcript runner then sends extended APDUs the short way.
    let carriesExtendedAPDUs: Bool

    init(reader: String, pcscd: PCSCDHarness, extendedAPDUs: Bool = true) throws {
        carriesExtendedAPDUs = extendedAPDUs
        process.executableURL = URL(fileURLWithPath: PCSCDClient.python)
        process.arguments = [PCSCDClient.script, "serve", reader]
        process.environment = pcscd.environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard readLine() == "READY" else {
            close()
            throw TestClientError("pcsc_ctypes.py serve \(reader) did not connect")
        }
    }

    deinit { close() }

    func close() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            usleep(100_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        do { return try await exchange(command) }
        catch { throw .transport(String(describing: error)) }
    }

    /// One APDU; a PC/SC failure is thrown as the script's ``PCSCFailure`` code.
    func exchange(_ command: [UInt8]) async throws -> [UInt8] {
        let line = await request(command.map { String(format: "%02X", $0) }.joined())
        guard let line else { throw TestClientError("the pcsc_ctypes.py process ended") }
        if line.hasPrefix("E 0x"), let code = UInt32(line.dropFirst(4), radix: 16) { throw PCSCFailure(code: code) }
        guard line.hasPrefix("R "), let bytes = [UInt8](hexString: String(line.dropFirst(2))) else {
            throw TestClientError("unexpected line from pcsc_ctypes.py: \(line)")
        }
        return bytes
    }

    /// Waits up to `seconds` (a guard) until pcscd's event thread has seen the card removed since
    /// this channel connected (`WAIT-REMOVED` of the script).
    /// Throws with the script's last view of the reader if it did not.
    func waitForRemoval(seconds: Double) async throws {
        let line = await request("WAIT-REMOVED \(seconds)")
        guard line == "W OK" else { throw TestClientError("WAIT-REMOVED: \(line ?? "the process ended")") }
    }

    /// One line to the script, its answer line (nil once the process ended).
    private func request(_ line: String) async -> String? {
        await withCheckedContinuation { continuation in
            queue.async {
                self.input.fileHandleForWriting.write(Data((line + "\n").utf8))
                continuation.resume(returning: self.readLine())
            }
        }
    }

    private func readLine() -> String? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending = Data(pending[(newline + 1)...])
                return line
            }
            // read(2), not `availableData`, which traps on a read error.
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(output.fileHandleForReading.fileDescriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            pending.append(contentsOf: buffer[0..<count])
        }
    }
}

extension Array where Element == UInt8 {
    /// Bytes from an even-length hex string (empty: no bytes); `nil` if it is not hex.
    init?(hexString text: String) {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
