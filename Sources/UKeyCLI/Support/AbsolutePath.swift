import Foundation

/// Paths on the command line, made absolute when the arguments are parsed (`@Option(transform:)`),
/// so that a path means the same thing to every process it reaches: a pcscd that runs in another
/// directory, an emulator's socket named in a reader's DEVICENAME, a pid file read by a later
/// `stop` from the same directory (issue 15). `-` (standard input or output) and an empty value
/// pass unchanged.
enum AbsolutePath {
    /// `path` relative to the current directory, unless it is absolute already.
    static func file(_ path: String) -> String {
        guard !path.isEmpty, path != "-", !path.hasPrefix("/") else { return path }
        let current = FileManager.default.currentDirectoryPath
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2).drop { $0 == "/" } }
        if relative.isEmpty || relative == "." { return current }
        return (current == "/" ? "" : current) + "/" + relative
    }

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
