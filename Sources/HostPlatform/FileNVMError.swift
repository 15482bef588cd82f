#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why ``FileNVM`` could not open a token's NVM image.
///
/// A damaged image is an error, never an empty memory: starting over would hand back spent PIN
/// tries and used signature counters.
public enum FileNVMError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file does not start with `"UKNV"`.
    case badMagic
    /// A format version this build does not read.
    case unsupportedVersion(UInt16)
    /// The file ends before its checksum or inside a record.
    case truncated
    /// The SHA-256 over the image does not match: the file was damaged.
    case checksumMismatch
    /// The checksum matches but the content is inconsistent (duplicate record, trailing bytes).
    case malformed(String)
    /// A system call failed; `errno` is its error code.
    case ioFailed(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .badMagic: return "the NVM image has no UKNV magic"
        case .unsupportedVersion(let version): return "the NVM image has format version \(version), which this build does not read"
        case .truncated: return "the NVM image is truncated"
        case .checksumMismatch: return "the NVM image's checksum does not match"
        case .malformed(let reason): return "the NVM image is malformed: \(reason)"
        case .ioFailed(let operation, let code): return "\(operation): \(String(cString: strerror(code)))"
        }
    }
}
