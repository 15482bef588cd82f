import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private (0700) directory under /tmp for one test, removed by ``remove()``. Short paths, so
/// unix socket paths inside stay under 108 bytes.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/ukey-emu-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestClientError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
