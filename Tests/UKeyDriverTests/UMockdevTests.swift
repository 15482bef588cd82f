import Foundation
import PCSCTestSupport
import Testing

/// The libusb transport without hardware: the emulated token presented as a live USB device
/// by umockdev (``UMockdevToken``), every URB answered by the real TokenDevice over USB/IP.
/// Our driver drives it through `LibUSBTransport` — directly through its IFDH entry points, and
/// from a private pcscd whose libudev hotplug finds it — and so does stock libccid.
@Suite(.serialized, .enabled(if: UMockdevToken.available && UMockdevToken.driverLibrary != nil && EndToEndTools.available))
struct UMockdevTests {
    static let atr = "3b:8b:80:01:80:f9:a0:00:00:03:08:00:00:10:00:c8"
    static let select = "00A4040006F0554B455901"
    static let getData = "00CA010000"
    /// Reader name prefix: pcscd names hotplugged readers from the USB product string.
    static let readerName = "UKey Banking Token"

    @Test func libusbTransportDrivesTheEmulatedTokenThroughItsEntryPoints() throws {
        let token = try UMockdevToken()
        defer { token.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(token.preloadEnvironment) { $1 }
        let output = try TestProcess.run([UMockdevToken.python, UMockdevToken.scripts + "/ifdh_libusb_check.py",
                                          UMockdevToken.driverLibrary!, UMockdevToken.deviceName, "300"],
                                         environment: environment, timeout: 60)
        #expect(output.status == 0, "the driver opens the umockdev device over libusb:\n\(output)\n\(token.logs)")
        #expect(output.stdout.contains("ATR " + Self.atr.replacingOccurrences(of: ":", with: "")),
                "IccPowerOn over bulk URBs returns the token's ATR:\n\(output)")
        #expect(output.stdout.contains("SELECT 6f18") && output.stdout.contains("9000\nGETDATA c008"),
                "SELECT and GET DATA answer 9000 with the FCI and the serial:\n\(output)")
        let rate = output.stdout.split(separator: "\n").first { $0.hasPrefix("roundtrips") }
        #expect(rate != nil, "300 GET DATA round trips complete:\n\(output)")
        print("umockdev libusb round trips (IFDH entry points): \(rate ?? "none")")
    }

    @Test func pcscdHotplugLoadsOurDriverWhichDrivesTheTokenOverLibusbAndSeesUnplugAndReplug() throws {
        let token = try UMockdevToken()
        defer { token.stop() }
        let drivers = try DriverBundles()
        defer { drivers.remove() }
        try drivers.addUKeyBundle()
        let pcscd = try PCSCDHarness(readers: [], debug: true, extraEnvironment: ["UKEY_DRIVER_TRACE": "1"],
                                     bindMounts: [.drivers(drivers.directory)],
                                     daemonEnvironment: token.preloadEnvironment)
        defer { pcscd.stop() }

        let listing = try Self.waitForReaders(pcscd, present: true)
        #expect(listing.contains(Self.readerName), "hotplug adds the reader:\n\(listing)\n\(pcscd.log)\n\(token.logs)")
        #expect(pcscd.log.contains("ifd-ukey.bundle/Contents/Linux/libifd-ukey.so"), "pcscd picked our bundle by VID:PID")
        #expect(pcscd.log.contains("IFDHCreateChannelByName Lun 0x0 usb:1209/0001:libudev:"),
                "the driver got the libudev device name")

        try Self.expectTokenAnswers(pcscd, "our driver over libusb")

        try token.unplug()
        let gone = try Self.waitForReaders(pcscd, present: false)
        #expect(!gone.contains(Self.readerName), "unplug removes the reader:\n\(gone)\n\(pcscd.log)")
        #expect(pcscd.isRunning, "pcscd survives the unplug")

        try token.replug()
        let back = try Self.waitForReaders(pcscd, present: true)
        #expect(back.contains(Self.readerName), "replug brings the reader back:\n\(back)\n\(pcscd.log)\n\(token.logs)")
        try Self.expectTokenAnswers(pcscd, "our driver after replug")
    }

    /// The same measurement as for stock libccid below, so without the driver's trace: here,
    /// under umockdev's preload, each trace line (a write to pcscd's log) cost about a
    /// millisecond, which made our driver look twice as slow as libccid (120–170 round trips/s
    /// against 370–390).
    @Test func ourDriverRoundTripsThroughPcscd() throws {
        let token = try UMockdevToken()
        defer { token.stop() }
        let drivers = try DriverBundles()
        defer { drivers.remove() }
        try drivers.addUKeyBundle()
        let pcscd = try PCSCDHarness(readers: [], debug: true, bindMounts: [.drivers(drivers.directory)],
                                     daemonEnvironment: token.preloadEnvironment)
        defer { pcscd.stop() }
        let listing = try Self.waitForReaders(pcscd, present: true)
        #expect(listing.contains(Self.readerName), "hotplug adds the reader:\n\(listing)\n\(pcscd.log)\n\(token.logs)")
        let rate = try Self.measureRoundTrips(pcscd)
        print("umockdev round trips through pcscd + libifd-ukey (LibUSBTransport): \(String(format: "%.0f", rate))/s")
    }

    @Test func stockLibccidDrivesTheEmulatedTokenAsACCIDReader() throws {
        let token = try UMockdevToken()
        defer { token.stop() }
        let (drivers, pcscd) = try Self.startStockLibccid(token)
        defer { pcscd.stop(); drivers.remove() }
        try Self.expectTokenAnswers(pcscd, "stock libccid")
        let rate = try Self.measureRoundTrips(pcscd)
        print("umockdev round trips through pcscd + stock libccid: \(String(format: "%.0f", rate))/s")
    }

    /// The T=0 token (`--exchange tpdu-t0`: TPDU level, T=0 only, no automatic PPS or parameter
    /// negotiation) under stock libccid: it sends the PPS and SetParameters for T=0 itself and
    /// forwards each APDU as it is — a case 4 SELECT with its Le byte, which the card runs as case 4
    /// and answers 611A; GET RESPONSE then brings the FCI; a case 2 GET DATA with Le 00 meets
    /// 6Cxx, and sent again with P3 = xx gives the serial.
    @Test func stockLibccidDrivesTheT0Token() throws {
        let token = try UMockdevToken(exchange: "tpdu-t0")
        defer { token.stop() }
        let (drivers, pcscd) = try Self.startStockLibccid(token)
        defer { pcscd.stop(); drivers.remove() }
        let atr = try TestProcess.run([EndToEndTools.openscTool, "-r", "0", "-a"], environment: pcscd.environment, timeout: 20)
        #expect(atr.stdout.lowercased().contains(Self.t0ATR), "the T=0 card's ATR:\n\(atr)\n\(pcscd.log)")
        // pyscard-free: pcsc_transmit.py (libpcsclite through ctypes) sends each APDU raw, in one connection.
        let output = try TestProcess.run([UMockdevToken.python, UMockdevToken.scripts + "/pcsc_transmit.py", Self.readerName,
                                          Self.select + "00", "00C000001A", Self.getData],
                                         environment: pcscd.environment, timeout: 30)
        #expect(output.status == 0, "\(output)\n\(pcscd.log.suffix(3000))")
        let lines = Self.responses(output)
        #expect(lines.count == 3, "\(output)")
        #expect(lines.first == "611A", "SELECT with its Le byte runs as case 4: 611A (\(output))")
        #expect(lines.dropFirst().first?.hasPrefix("6F188406F0554B455901") == true && lines.dropFirst().first?.hasSuffix("9000") == true,
                "GET RESPONSE brings the FCI: \(output)")
        let wrongLe = try #require(lines.last)
        #expect(wrongLe.count == 4 && wrongLe.hasPrefix("6C"), "GET DATA with Le 00 meets 6Cxx: \(output)")
        let again = try TestProcess.run([UMockdevToken.python, UMockdevToken.scripts + "/pcsc_transmit.py", Self.readerName,
                                         Self.select, "00CA0100" + String(wrongLe.suffix(2))],
                                        environment: pcscd.environment, timeout: 30)
        let answers = Self.responses(again)
        #expect(answers.last?.hasPrefix("C008") == true && answers.last?.hasSuffix("9000") == true,
                "GET DATA with P3 = xx gives the serial: \(again)")
        #expect(pcscd.isRunning)
    }

    /// Our driver on the same T=0 token through libusb: the APDUs as an application sends them;
    /// T0Host does the PPS, SetParameters, 61xx and 6Cxx.
    @Test func ourDriverDrivesTheT0Token() throws {
        let token = try UMockdevToken(exchange: "tpdu-t0")
        defer { token.stop() }
        let drivers = try DriverBundles()
        defer { drivers.remove() }
        try drivers.addUKeyBundle()
        let pcscd = try PCSCDHarness(readers: [], debug: true, extraEnvironment: ["UKEY_DRIVER_TRACE": "1"],
                                     bindMounts: [.drivers(drivers.directory)], daemonEnvironment: token.preloadEnvironment)
        defer { pcscd.stop() }
        let listing = try Self.waitForReaders(pcscd, present: true)
        #expect(listing.contains(Self.readerName), "hotplug adds the reader:\n\(listing)\n\(pcscd.log)\n\(token.logs)")
        let output = try TestProcess.run([UMockdevToken.python, UMockdevToken.scripts + "/pcsc_transmit.py", Self.readerName,
                                          Self.select + "00", Self.getData],
                                         environment: pcscd.environment, timeout: 30)
        let lines = Self.responses(output)
        #expect(lines.first?.hasPrefix("6F18") == true && lines.last?.hasPrefix("C008") == true
                && lines.allSatisfy { $0.hasSuffix("9000") }, "\(output)\n\(pcscd.log.suffix(3000))")
        #expect(pcscd.log.contains("PPS FF1013FC"), "our driver sent the PPS")
    }

    static let t0ATR = "3b:9b:13:40:0a:80:f9:a0:00:00:03:08:00:00:10:00"

    /// Both bundles list 1209:0001 (as after `ukey driver install --device` for a device libccid
    /// lists too): pcscd prefers the bundle that is not libccid's CCID class driver
    /// (CFBundleName CCIDCLASSDRIVER), so ours drives the token; libccid stays the fallback.
    @Test func withBothBundlesListingTheTokenPcscdLoadsOurs() throws {
        let token = try UMockdevToken()
        defer { token.stop() }
        let drivers = try DriverBundles()
        defer { drivers.remove() }
        try drivers.addLibccidBundleListingUKey()
        try drivers.addUKeyBundle()
        let pcscd = try PCSCDHarness(readers: [], debug: true, bindMounts: [.drivers(drivers.directory)],
                                     daemonEnvironment: token.preloadEnvironment)
        defer { pcscd.stop() }
        let listing = try Self.waitForReaders(pcscd, present: true)
        #expect(listing.contains(Self.readerName), "\(listing)\n\(pcscd.log)")
        #expect(pcscd.log.contains("ifd-ukey.bundle/Contents/Linux/libifd-ukey.so"), "our bundle drives it:\n\(pcscd.log.suffix(3000))")
        #expect(!pcscd.log.contains("Linux/libccid.so"), "libccid was not loaded for it")
        try Self.expectTokenAnswers(pcscd, "our driver, with libccid's bundle listing the token too")
    }

    /// The hex of each `RESPONSE` line of pcsc_transmit.py.
    static func responses(_ output: TestProcess.Output) -> [String] {
        output.stdout.split(separator: "\n").filter { $0.hasPrefix("RESPONSE ") }.map { String($0.dropFirst(9)).uppercased() }
    }

    // MARK: Helpers

    /// Stock libccid's bundle (listing the token's 1209:0001) in a private drivers directory and
    /// a pcscd that loads it with `token`'s umockdev preload; returns once the reader is listed,
    /// after checking that libccid drives it. The caller stops pcscd and removes the bundles.
    static func startStockLibccid(_ token: UMockdevToken) throws -> (drivers: DriverBundles, pcscd: PCSCDHarness) {
        let drivers = try DriverBundles()
        let pcscd: PCSCDHarness
        do {
            try drivers.addLibccidBundleListingUKey()
            pcscd = try PCSCDHarness(readers: [], debug: true, bindMounts: [.drivers(drivers.directory)],
                                     daemonEnvironment: token.preloadEnvironment)
        } catch {
            drivers.remove()
            throw error
        }
        do {
            let listing = try waitForReaders(pcscd, present: true)
            #expect(listing.contains(readerName), "libccid's bundle matches 1209:0001:\n\(listing)\n\(pcscd.log)\n\(token.logs)")
            #expect(pcscd.log.contains("ifd-ccid.bundle/Contents/Linux/libccid.so"), "pcscd loaded stock libccid")
        } catch {
            pcscd.stop()
            drivers.remove()
            throw error
        }
        return (drivers, pcscd)
    }

    /// `opensc-tool -l` until the reader is listed (`present`) or gone, up to 15 s.
    static func waitForReaders(_ pcscd: PCSCDHarness, present: Bool) throws -> String {
        var listing = ""
        for _ in 0..<150 {
            listing = try TestProcess.run([EndToEndTools.openscTool, "-l"], environment: pcscd.environment, timeout: 20).stdout
            if listing.contains(readerName) == present { return listing }
            usleep(100_000)
        }
        return listing
    }

    /// ATR, SELECT and GET DATA through pcscd with `opensc-tool`.
    static func expectTokenAnswers(_ pcscd: PCSCDHarness, _ path: Comment) throws {
        let atr = try TestProcess.run([EndToEndTools.openscTool, "-r", "0", "-a"], environment: pcscd.environment, timeout: 20)
        #expect(atr.stdout.lowercased().contains(Self.atr), "\(path): the UKey ATR:\n\(atr)\n\(pcscd.log)")
        let exchange = try TestProcess.run([EndToEndTools.openscTool, "-r", "0", "-c", "default", "-s", select, "-s", getData],
                                           environment: pcscd.environment, timeout: 20)
        let answers = exchange.stdout.components(separatedBy: "SW1=0x90, SW2=0x00").count - 1
        #expect(answers == 2, "\(path): SELECT and GET DATA answer 9000:\n\(exchange)")
        #expect(exchange.stdout.uppercased().contains("C0 08 "), "\(path): GET DATA carries the serial:\n\(exchange)")
    }

    /// Trivial APDUs (GET DATA) per second through pcscd, 200 in one opensc-tool session (pcscd
    /// with `-d -a`: a lower bound).
    static func measureRoundTrips(_ pcscd: PCSCDHarness, count: Int = 200) throws -> Double {
        // SELECT first: GET DATA outside the applet answers 6D00.
        let arguments = [EndToEndTools.openscTool, "-r", "0", "-c", "default", "-s", select]
            + Array(repeating: ["-s", getData], count: count).flatMap { $0 }
        let started = Date()
        let output = try TestProcess.run(arguments, environment: pcscd.environment, timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        let answered = output.stdout.components(separatedBy: "SW1=0x90, SW2=0x00").count - 1
        #expect(answered == count + 1, "SELECT and all \(count) GET DATA round trips answer 9000:\n\(output.stderr)")
        return Double(answered) / elapsed
    }
}
