import UKeyArguments

/// The `ukey` command line's own paths: listeners and reader device names.
extension AbsolutePath {
    /// A USB/IP listener: `unix:PATH` gets an absolute PATH; `HOST:PORT` stays.
    static func listener(_ listener: String) -> String {
        guard listener.hasPrefix("unix:") else { return listener }
        return "unix:" + file(String(listener.dropFirst("unix:".count)))
    }

    /// A reader's DEVICENAME: `usbip:unix:PATH/BUSID` gets an absolute PATH (the bus id follows
    /// the last `/`); other device names stay.
    static func device(_ device: String) -> String {
        let prefix = "usbip:unix:"
        guard device.hasPrefix(prefix), let slash = device.lastIndex(of: "/") else { return device }
        let path = String(device[device.index(device.startIndex, offsetBy: prefix.count)..<slash])
        return prefix + file(path) + String(device[slash...])
    }
}
