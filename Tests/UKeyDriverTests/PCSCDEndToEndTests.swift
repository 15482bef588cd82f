import PCSCTestSupport
import Foundation
import Testing
import TokenDevice

/// Stock pcscd loads `libifd-ukey.so` from a reader.conf entry `usbip:unix:…/1-1` that points
/// at the test's USB/IP server, which serves the real firmware; opensc-tool is the client.
@Suite(.serialized, .enabled(if: EndToEndTools.available))
struct PCSCDEndToEndTests {
    /// A client's output (stdout then stderr); one that hangs is killed after `timeout` s.
    static func run(_ arguments: [String], environment: [String: String], timeout: Double = 20) throws -> String {
        try TestProcess.run(arguments, environment: environment, timeout: timeout, throwOnTimeout: false).combined
    }

    @Test func openscToolReachesTheTokenThroughPcscdAndTheDriver() throws {
        let fixture = TokenFixture()
        let server = try MiniUSBIPServer(model: LockedDevice(fixture))
        defer { server.stop() }
        let entry = PCSCDHarness.ReaderEntry(friendlyName: "UKey Driver Test", deviceName: server.deviceName,
                                             libraryPath: EndToEndTools.driverLibrary!)
        let pcscd = try PCSCDHarness(readers: [entry], debug: true, extraEnvironment: ["UKEY_DRIVER_TRACE": "1"])
        defer { pcscd.stop() }

        var listing = ""
        for _ in 0..<50 {
            listing = try Self.run([EndToEndTools.openscTool, "-l"], environment: pcscd.environment)
            if listing.contains("UKey Driver Test") && listing.contains("Yes") { break }
            usleep(100_000)
        }
        #expect(listing.contains("UKey Driver Test"), "pcscd lists the reader:\n\(listing)\n\(pcscd.log)")

        let atr = try Self.run([EndToEndTools.openscTool, "-r", "0", "-a"], environment: pcscd.environment)
        #expect(atr.lowercased().contains("3b:8b:80:01:80:f9:a0:00:00:03:08:00:00:10:00:c8"), "ATR:\n\(atr)")

        let verify = "00200081063" + "13233343536"
        let exchange = try Self.run([EndToEndTools.openscTool, "-r", "0", "-c", "default", "-s", "00A4040006F0554B455901", "-s", "00CA010000",
                                     "-s", verify], environment: pcscd.environment)
        #expect(exchange.contains("SW1=0x90, SW2=0x00"), "SELECT and GET DATA through pcscd:\n\(exchange)")
        #expect(exchange.uppercased().contains("C0 08 55 4B 00 00 00 00 00 01"), "GET DATA carries the serial:\n\(exchange)")

        let log = pcscd.log
        #expect(log.contains("ukey-driver: > 00A40400 SELECT"), "the driver traces APDUs into pcscd's log")
        #expect(log.contains("ukey-driver: > 00200081 VERIFY ••••"), "VERIFY is traced redacted")
        let driverLines = log.split(separator: "\n").filter { $0.contains("ukey-driver") }.joined(separator: "\n")
        #expect(!driverLines.contains("313233343536"), "the PIN never reaches the driver trace")
        #expect(pcscd.isRunning)
    }

    @Test func emulatorExitMakesTheReaderGoAwayWithoutKillingPcscd() throws {
        let fixture = TokenFixture()
        let server = try MiniUSBIPServer(model: LockedDevice(fixture))
        let entry = PCSCDHarness.ReaderEntry(friendlyName: "UKey Vanishing", deviceName: server.deviceName,
                                             libraryPath: EndToEndTools.driverLibrary!)
        let pcscd = try PCSCDHarness(readers: [entry])
        defer { pcscd.stop() }
        var listing = ""
        for _ in 0..<50 {
            listing = try Self.run([EndToEndTools.openscTool, "-l"], environment: pcscd.environment)
            if listing.contains("UKey Vanishing") { break }
            usleep(100_000)
        }
        #expect(listing.contains("UKey Vanishing"))
        server.stop()
        usleep(500_000)
        let started = Date()
        let after = try Self.run([EndToEndTools.openscTool, "-r", "0", "-c", "default", "-s", "00A4040006F0554B455901"], environment: pcscd.environment)
        #expect(Date().timeIntervalSince(started) < 10, "no hang after the server went away")
        #expect(!after.contains("SW1=0x90"), "no APDU goes through a dead reader:\n\(after)")
        #expect(pcscd.isRunning, "pcscd survives:\n\(pcscd.log)")
    }
}
