#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls behind ``FileNVM``, in one place. Each failure carries the C call's name and
/// `errno`; descriptors are closed on every path.
enum POSIXFile {
    /// Images larger than this are refused as damaged rather than read into memory.
    static let maximumImageSize = 64 << 20

    /// The whole file, or `nil` if it does not exist. Symbolic links are not followed.
    static func readAll(_ path: String) throws(FileNVMError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .ioFailed(operation: "open(\(path))", errno: errno)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .ioFailed(operation: "read(\(path))", errno: errno)
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maximumImageSize else { throw .malformed("larger than \(maximumImageSize) bytes") }
        }
    }

    /// Creates `path` afresh with mode 0600 (a leftover file or link there is removed first; the
    /// process umask can only narrow the mode), writes `bytes`, and fsyncs it unless `sync` is false.
    static func writeNew(_ path: String, _ bytes: ArraySlice<UInt8>, sync: Bool = true) throws(FileNVMError) {
        try remove(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw .ioFailed(operation: "open(\(path))", errno: errno) }
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let code = written < 0 ? errno : EIO
                close(descriptor)
                throw .ioFailed(operation: "write(\(path))", errno: code)
            }
            offset += written
        }
        if sync && fsync(descriptor) != 0 {
            let code = errno
            close(descriptor)
            throw .ioFailed(operation: "fsync(\(path))", errno: code)
        }
        guard close(descriptor) == 0 else { throw .ioFailed(operation: "close(\(path))", errno: errno) }
    }

    /// Atomically replaces `target` with `source`. The corresponding C function is `rename`.
    static func move(_ source: String, over target: String) throws(FileNVMError) {
        guard rename(source, target) == 0 else { throw .ioFailed(operation: "rename(\(source))", errno: errno) }
    }

    /// Makes the directory's entries (a rename) durable. The corresponding C function is `fsync`
    /// on the directory.
    static func syncDirectory(_ path: String) throws(FileNVMError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .ioFailed(operation: "open(\(path))", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .ioFailed(operation: "fsync(\(path))", errno: errno) }
    }

    /// Fails unless `path` is an existing directory.
    static func checkDirectory(_ path: String) throws(FileNVMError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .ioFailed(operation: "open(\(path))", errno: errno) }
        close(descriptor)
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws(FileNVMError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .ioFailed(operation: "unlink(\(path))", errno: errno) }
    }
}
