import Foundation

/// Paths on the command line, made absolute when the arguments are parsed (`@Option(transform:)`),
/// so that a path means the same thing to every process it reaches: a pcscd that runs in another
/// directory, an emulator's socket named in a reader's DEVICENAME, a pid file read by a later
/// `stop` from the same directory (issue 15). `-` (standard input or output) and an empty value
/// pass unchanged. Shared by `ukey` and `ukey-bank`.
public enum AbsolutePath {
    /// `path` relative to the current directory, unless it is absolute already.
    public static func file(_ path: String) -> String {
        guard !path.isEmpty, path != "-", !path.hasPrefix("/") else { return path }
        let current = FileManager.default.currentDirectoryPath
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2).drop { $0 == "/" } }
        if relative.isEmpty || relative == "." { return current }
        return (current == "/" ? "" : current) + "/" + relative
    }
}
