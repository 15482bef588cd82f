import Foundation
import PCSCTestSupport

/// A private pcscd drivers directory (bind-mounted over /usr/lib/pcsc/drivers): pcscd's
/// hotplug picks a bundle only by the VID:PID lists in its Info.plist.
struct DriverBundles {
    let directory: String

    /// The repository's bundle description (udev/ifd-ukey.bundle), if present.
    static let repositoryInfoPlist = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("udev/ifd-ukey.bundle/Contents/Info.plist").path
    static let libccidBundle = "/usr/lib/pcsc/drivers/ifd-ccid.bundle"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ukey-drivers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `ifd-ukey.bundle/Contents/{Info.plist, Linux/libifd-ukey.so}` with the built driver.
    func addUKeyBundle() throws {
        let contents = directory + "/ifd-ukey.bundle/Contents"
        try FileManager.default.createDirectory(atPath: contents + "/Linux", withIntermediateDirectories: true)
        let plist = (try? String(contentsOfFile: Self.repositoryInfoPlist, encoding: .utf8)) ?? Self.minimalUKeyInfoPlist
        try plist.write(toFile: contents + "/Info.plist", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: UMockdevToken.driverLibrary!, toPath: contents + "/Linux/libifd-ukey.so")
    }

    /// A real copy of Debian's libccid bundle with 1209:0001 put first in ifdVendorID,
    /// ifdProductID and ifdFriendlyName (the three lists are read by index).
    func addLibccidBundleListingUKey() throws {
        let bundle = directory + "/ifd-ccid.bundle"
        try FileManager.default.copyItem(atPath: Self.libccidBundle, toPath: bundle)
        let path = bundle + "/Contents/Info.plist"
        var plist = try String(contentsOfFile: path, encoding: .utf8)
        for (key, value) in [("ifdVendorID", "0x1209"), ("ifdProductID", "0x0001"), ("ifdFriendlyName", "UKey Banking Token")] {
            guard let keyRange = plist.range(of: "<key>\(key)</key>"),
                  let arrayRange = plist.range(of: "<array>", range: keyRange.upperBound..<plist.endIndex) else {
                throw PCSCDHarnessError("libccid's Info.plist has no \(key) array")
            }
            plist.insert(contentsOf: "\n\t\t<string>\(value)</string>", at: arrayRange.upperBound)
        }
        try plist.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Used when the repository's udev/ifd-ukey.bundle is not there.
    static let minimalUKeyInfoPlist = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
        <plist version="1.0">
        <dict>
        \t<key>CFBundleExecutable</key>
        \t<string>libifd-ukey.so</string>
        \t<key>ifdCapabilities</key>
        \t<string>0x00000000</string>
        \t<key>ifdProtocolSupport</key>
        \t<string>0x00000003</string>
        \t<key>ifdVersionNumber</key>
        \t<string>0x00000001</string>
        \t<key>ifdVendorID</key>
        \t<array><string>0x1209</string></array>
        \t<key>ifdProductID</key>
        \t<array><string>0x0001</string></array>
        \t<key>ifdFriendlyName</key>
        \t<array><string>UKey Banking Token</string></array>
        </dict>
        </plist>
        """
}
