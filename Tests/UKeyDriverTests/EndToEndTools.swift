import PCSCTestSupport
import Foundation

/// What the pcscd end-to-end tests need from the machine: the built driver, pcscd + unshare,
/// opensc-tool. Without them the tests are skipped (reported as such).
enum EndToEndTools {
    /// Raw banking APDUs go with `-c default`: the card also carries a PIV applet, so OpenSC's
    /// PIV driver takes it and re-selects PIV at each lock, i.e. between two `-s` APDUs.
    static let openscTool = "/usr/bin/opensc-tool"
    /// Debian's Python, which has pyscard (and umockdev's bindings).
    static let python = "/usr/bin/python3"
    /// The scripts next to this file (until the directory is a test resource).
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path

    /// The built driver: `UKEY_DRIVER_LIBRARY`, else the newest libifd-ukey.so in a build directory.
    static let driverLibrary: String? = {
        if let path = ProcessInfo.processInfo.environment["UKEY_DRIVER_LIBRARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let candidates = [".build-fuzz/debug", ".build-drv/debug", ".build/debug", ".build/release"].map { root + "/" + $0 + "/libifd-ukey.so" }
        return candidates.filter { FileManager.default.fileExists(atPath: $0) }.max {
            let a = (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast
            let b = (try? FileManager.default.attributesOfItem(atPath: $1)[.modificationDate] as? Date) ?? .distantPast
            return a < b
        }
    }()


    static var available: Bool {
        driverLibrary != nil && PCSCDHarness.isAvailable && FileManager.default.isExecutableFile(atPath: openscTool)
    }
}
