import Foundation
import UKeyEmulator
#if canImport(Glibc)
import Glibc
#endif

/// What `ukey driver install [--uninstall]` does: puts the driver bundle, the udev rule and the
/// emulator readers where pcscd and udev look, and takes exactly that away again.
///
/// | what | where |
/// |---|---|
/// | `libifd-ukey.so`, `Info.plist` | `$(pkg-config libpcsclite --variable=usbdropdir)/ifd-ukey.bundle/Contents/{Linux/,}` |
/// | `92-ukey.rules` | `/etc/udev/rules.d/` (then `udevadm control --reload`) |
/// | one `reader.conf(5)` block per `--reader` | `/etc/reader.conf.d/ukey` |
///
/// Every path is below ``prefix`` (`DESTDIR` semantics: `LIBPATH` in reader.conf names the final
/// path, without the prefix). Install records the files it wrote and the directories it created
/// in the bundle (`Contents/ukey-install.list`); uninstall removes those and nothing else.
package struct DriverInstaller: Sendable {
    /// The root of every path ("" or "/": the live system).
    package var prefix: String
    /// The built driver to copy.
    package var library: String
    /// The folder holding `92-ukey.rules` and `ifd-ukey.bundle/Contents/Info.plist` (the source tree's `udev/`).
    package var filesDirectory: String
    /// `usbip:…` device names for /etc/reader.conf.d/ukey.
    package var readers: [String] = []
    /// `VVVV:PPPP` of other CCID devices (`--device`) for the bundle's hot-plug list and the rule.
    package var devices: [String] = []
    /// pcscd's bundle directory; `nil`: ask pkg-config (else /usr/lib/pcsc/drivers).
    package var dropDirectory: String? = nil
    /// Lines for the user (what was written or removed).
    package var output: @Sendable (String) -> Void = { print($0) }

    package init(prefix: String, library: String, filesDirectory: String) {
        self.prefix = prefix
        self.library = library
        self.filesDirectory = filesDirectory
    }

    static let manifestName = "ukey-install.list"

    /// The bundle directory as pcscd sees it (no prefix).
    package var bundlePath: String { (dropDirectory ?? Self.usbDropDirectory()) + "/ifd-ukey.bundle" }
    /// The driver inside the bundle as pcscd sees it: reader.conf's `LIBPATH`.
    package var installedLibraryPath: String { bundlePath + "/Contents/Linux/libifd-ukey.so" }
    package static let rulesPath = "/etc/udev/rules.d/92-ukey.rules"
    package static let readerConfPath = "/etc/reader.conf.d/ukey"

    /// `pkg-config libpcsclite --variable=usbdropdir`, else Debian's /usr/lib/pcsc/drivers.
    package static func usbDropDirectory() -> String {
        let answer = (try? HostCommand.run(["pkg-config", "libpcsclite", "--variable=usbdropdir"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return answer.hasPrefix("/") ? answer : "/usr/lib/pcsc/drivers"
    }

    /// The `udev/` folder of the source tree this binary was built from, or one next to `executable`.
    package static func defaultFilesDirectory(executable: String = CommandLine.arguments[0]) -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("udev").path
        let binary = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [source, binary.appendingPathComponent("udev").path,
                          binary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("udev").path]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/92-ukey.rules") } ?? source
    }

    /// ``devices`` as vendor and product IDs, in order, without duplicates or our token
    /// (1209:0001, always listed). Four hex digits each side; 0000 is no ID.
    package func deviceIDs() throws(EmulatorError) -> [(vendor: UInt16, product: UInt16)] {
        var ids: [(vendor: UInt16, product: UInt16)] = []
        for device in devices {
            let parts = device.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isHexDigit) }),
                  let vendor = UInt16(parts[0], radix: 16), let product = UInt16(parts[1], radix: 16), vendor != 0 else {
                throw .badConfiguration("--device \(device): expected VVVV:PPPP, the USB vendor and product IDs in hex (e.g. 08e6:4433)")
            }
            guard !(vendor == 0x1209 && product == 0x0001), !ids.contains(where: { $0 == (vendor, product) }) else { continue }
            ids.append((vendor, product))
        }
        return ids
    }

    /// The bundle's Info.plist with ``devices`` appended to ifdVendorID, ifdProductID and
    /// ifdFriendlyName (pcscd matches the three arrays index by index).
    package func infoPlist(_ original: String) throws(EmulatorError) -> String {
        let ids = try deviceIDs()
        guard !ids.isEmpty else { return original }
        func hex(_ value: UInt16) -> String {
            let digits = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        var text = original
        let additions: [(String, [String])] = [
            ("ifdVendorID", ids.map { hex($0.vendor) }), ("ifdProductID", ids.map { hex($0.product) }),
            ("ifdFriendlyName", ids.map { "CCID reader \(hex($0.vendor).dropFirst(2)):\(hex($0.product).dropFirst(2))" }),
        ]
        for (key, values) in additions {
            guard let keyRange = text.range(of: "<key>\(key)</key>"),
                  let end = text.range(of: "</array>", range: keyRange.upperBound..<text.endIndex) else {
                throw .badConfiguration("the bundle's Info.plist has no \(key) array")
            }
            // At the start of the `</array>` line, in the file's indentation (two tabs).
            let lineStart = text[..<end.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? end.lowerBound
            text.insert(contentsOf: values.map { "\t\t<string>\($0)</string>\n" }.joined(), at: lineStart)
        }
        return text
    }

    /// The udev rule with one power-management line per device of ``devices`` before its end.
    package func udevRules(_ original: String) throws(EmulatorError) -> String {
        let ids = try deviceIDs()
        guard !ids.isEmpty, let end = original.range(of: "# All done") else { return original }
        var lines = "# Added by `ukey driver install --device`: other CCID devices this bundle drives.\n"
        for id in ids {
            let vendor = String(format: "%04x", id.vendor), product = String(format: "%04x", id.product)
            lines += "ATTR{idVendor}==\"\(vendor)\", ATTR{idProduct}==\"\(product)\", TEST==\"power/control\", ATTR{power/control}=\"auto\"\n"
        }
        var text = original
        text.insert(contentsOf: lines + "\n", at: end.lowerBound)
        return text
    }

    /// The reader.conf(5) text for ``readers``: one block each, named `UKey Emulator BUSID`.
    package func readerConf() -> String {
        var text = "# Written by `ukey driver install`; removed by `ukey driver install --uninstall`.\n"
        for device in readers {
            let busid = device.split(separator: "/").last.map(String.init) ?? device
            text += "\nFRIENDLYNAME \"UKey Emulator \(busid)\"\nDEVICENAME   \(device)\nLIBPATH      \(installedLibraryPath)\n"
        }
        return text
    }

    private func rooted(_ path: String) -> String {
        let root = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        return root + path
    }

    /// Installs; returns the paths written (with the prefix).
    @discardableResult
    package func install() throws(EmulatorError) -> [String] {
        for reader in readers where !reader.hasPrefix("usbip:") {
            throw .badConfiguration("--reader \(reader): expected usbip:HOST:PORT/BUSID or usbip:unix:PATH/BUSID")
        }
        let plist = filesDirectory + "/ifd-ukey.bundle/Contents/Info.plist"
        let rules = filesDirectory + "/92-ukey.rules"
        for source in [library, plist, rules] where !FileManager.default.fileExists(atPath: source) {
            throw .badConfiguration("\(source) does not exist (build the driver, or give --library / --files)")
        }
        _ = try deviceIDs()
        guard let plistText = try? String(contentsOfFile: plist, encoding: .utf8),
              let rulesText = try? String(contentsOfFile: rules, encoding: .utf8) else {
            throw .badConfiguration("\(plist) or \(rules) cannot be read as UTF-8")
        }
        var created: [String] = []
        var written: [String] = []
        let contents = rooted(bundlePath + "/Contents")
        try makeDirectories(rooted(bundlePath + "/Contents/Linux"), into: &created)
        try write(Data(try infoPlist(plistText).utf8), to: contents + "/Info.plist", mode: 0o644, into: &written)
        try copy(library, to: contents + "/Linux/libifd-ukey.so", mode: 0o755, into: &written)
        try makeDirectories(rooted("/etc/udev/rules.d"), into: &created)
        try write(Data(try udevRules(rulesText).utf8), to: rooted(Self.rulesPath), mode: 0o644, into: &written)
        if !readers.isEmpty {
            try makeDirectories(rooted("/etc/reader.conf.d"), into: &created)
            try write(Data(readerConf().utf8), to: rooted(Self.readerConfPath), mode: 0o644, into: &written)
        }
        let manifest = contents + "/" + Self.manifestName
        let lines = written.map { "file " + $0 } + created.map { "dir " + $0 }
        try write(Data((lines.joined(separator: "\n") + "\n").utf8), to: manifest, mode: 0o644, into: &written)
        for path in written { output("installed \(path)") }
        reloadUdev()
        return written
    }

    /// Removes what ``install()`` recorded (files, then the directories it created, deepest
    /// first, if empty). Without a record, removes the three known files and the bundle.
    @discardableResult
    package func uninstall() -> [String] {
        let manifest = rooted(bundlePath + "/Contents/" + Self.manifestName)
        var files: [String] = []
        var directories: [String] = []
        if let text = try? String(contentsOfFile: manifest, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("file ") { files.append(String(line.dropFirst(5))) }
                if line.hasPrefix("dir ") { directories.append(String(line.dropFirst(4))) }
            }
        } else {
            files = [rooted(bundlePath + "/Contents/Info.plist"), rooted(bundlePath + "/Contents/Linux/libifd-ukey.so"),
                     rooted(Self.rulesPath), rooted(Self.readerConfPath)]
            directories = [rooted(bundlePath), rooted(bundlePath + "/Contents"), rooted(bundlePath + "/Contents/Linux")]
        }
        var removed: [String] = []
        for path in files + [manifest] where unlink(path) == 0 { removed.append(path) }
        for path in directories.sorted(by: { $0.count > $1.count }) where rmdir(path) == 0 { removed.append(path) }
        for path in removed { output("removed \(path)") }
        reloadUdev()
        return removed
    }

    /// `udevadm control --reload` on the live system, if udevadm is there.
    private func reloadUdev() {
        guard prefix.isEmpty || prefix == "/" else { return }
        guard let udevadm = ["/usr/bin/udevadm", "/bin/udevadm", "/sbin/udevadm"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        _ = try? HostCommand.run([udevadm, "control", "--reload"])
    }

    /// `mkdir -p`, recording each directory it made.
    private func makeDirectories(_ path: String, into created: inout [String]) throws(EmulatorError) {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            guard mkdir(directory, 0o755) == 0 else { throw .system(operation: "mkdir(\(directory))", errno: errno) }
            created.append(directory)
        }
    }

    private func copy(_ source: String, to destination: String, mode: mode_t, into written: inout [String]) throws(EmulatorError) {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw .system(operation: "read(\(source))", errno: errno)
        }
        try write(data, to: destination, mode: mode, into: &written)
    }

    private func write(_ data: Data, to path: String, mode: mode_t, into written: inout [String]) throws(EmulatorError) {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .system(operation: "write(\(path))", errno: (error as NSError).code == 0 ? EIO : Int32(EACCES))
        }
        chmod(path, mode)
        written.append(path)
    }
}

/// Runs a host tool (`pkg-config`, `udevadm`) found on `PATH` and returns its standard output.
/// Used by ``DriverInstaller`` and ``PrivatePCSCD``; never given a secret.
enum HostCommand {
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
