#if canImport(Glibc)
import Glibc
#endif

/// A token's `factory-secrets` file: `NAME=value` lines, mode 0600, never logged.
enum FactorySecretsFile {
    /// Every `NAME=value` line of the file (empty when there is none).
    static func read(_ path: String) -> [String: [UInt8]] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return [:] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        defer { for index in buffer.indices { buffer[index] = 0 } }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return [:] }
        var values: [String: [UInt8]] = [:]
        for line in buffer[..<count].split(separator: 0x0A) {
            guard let equals = line.firstIndex(of: 0x3D) else { continue }
            values[String(decoding: line[..<equals], as: UTF8.self)] = Array(line[(equals + 1)...])
        }
        return values
    }

    /// Overwrites every value (best effort: dictionary values may have been copied before).
    static func wipe(_ lines: inout [String: [UInt8]]) {
        for key in lines.keys {
            guard var value = lines[key] else { continue }
            for index in value.indices { value[index] = 0 }
            lines[key] = value
        }
    }

    /// Writes `bytes` as the whole file (created 0600 if absent) and syncs it.
    static func write(_ bytes: [UInt8], to path: String) throws(EmulatorError) {
        try store(bytes, to: path, flags: O_TRUNC)
    }

    /// Appends `bytes` to the file (created 0600 if absent) and syncs it.
    static func append(_ bytes: [UInt8], to path: String) throws(EmulatorError) {
        try store(bytes, to: path, flags: O_APPEND)
    }

    private static func store(_ bytes: [UInt8], to path: String, flags: Int32) throws(EmulatorError) {
        let fd = open(path, O_WRONLY | O_CREAT | flags | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .system(operation: "open(\(path))", errno: errno) }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw .system(operation: "write(\(path))", errno: errno) }
    }
}
