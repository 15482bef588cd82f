import Foundation

extension PCSCDHarness {
    /// One reader in the private pcscd's configuration directory: a `reader.conf` entry
    /// (pcsc-lite `reader.conf(5)`: FRIENDLYNAME, DEVICENAME, LIBPATH, optional CHANNELID).
    public struct ReaderEntry: Sendable {
        /// The file's text, as pcscd reads it.
        public var text: String
        /// The readers' names as pcscd lists them (checked by the harness's callers).
        public var friendlyName: String

        /// Any entry, for drivers the harness does not know (the UKey driver's USB/IP entries).
        public init(friendlyName: String, deviceName: String, libraryPath: String, channelID: String? = nil) {
            var lines = ["FRIENDLYNAME \"\(friendlyName)\"", "DEVICENAME \(deviceName)", "LIBPATH \(libraryPath)"]
            if let channelID { lines.append("CHANNELID \(channelID)") }
            self.text = lines.joined(separator: "\n") + "\n"
            self.friendlyName = friendlyName
        }

        /// An entry written verbatim.
        public init(text: String, friendlyName: String) {
            self.text = text
            self.friendlyName = friendlyName
        }

        /// Stock vsmartcard vpcd listening on `port` (and `port + 1`, its second reader) on all
        /// interfaces: `DEVICENAME /dev/null:PORT` makes vpcd the TCP server.
        public static func vpcd(name: String = "UKey vpcd", port: UInt16) -> ReaderEntry {
            ReaderEntry(friendlyName: name, deviceName: "/dev/null:\(port)", libraryPath: vpcdDriverPath)
        }

        /// The PC/SC name of vpcd reader `index` (0: `port`, 1: `port + 1`).
        public static func vpcdReaderName(_ name: String = "UKey vpcd", index: Int = 0) -> String {
            "\(name) 00 0\(index)"
        }

        /// Where Debian's `vsmartcard-vpcd` installs the driver (`dpkg -L vsmartcard-vpcd`).
        public static var vpcdDriverPath: String {
            let candidates = ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                              "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so",
                              "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so"]
            return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
        }

        /// Whether stock vpcd is installed.
        public static var isVPCDInstalled: Bool { FileManager.default.fileExists(atPath: vpcdDriverPath) }
    }
}
