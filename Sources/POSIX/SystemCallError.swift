#if canImport(Glibc)
import Glibc
#endif

/// Why a system call failed: the call (with what it acted on, `connect(/run/x.sock)`) and the C
/// error code. The one error type of the POSIX layer; callers map it to their own.
package struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the code comes from: `errno`, or a `getaddrinfo` status (`EAI_*`).
    package enum Code: Hashable, Sendable {
        case errno(Int32)
        case addressInfo(Int32)
    }

    package var operation: String
    package var code: Code

    /// `operation` failed with `errno` (the current one unless given).
    package init(_ operation: String, errno code: Int32 = Glibc.errno) {
        self.operation = operation
        self.code = .errno(code)
    }

    package init(_ operation: String, addressInfo status: Int32) {
        self.operation = operation
        self.code = .addressInfo(status)
    }

    /// The errno value (EINVAL for a `getaddrinfo` failure).
    package var errno: Int32 {
        if case .errno(let value) = code { return value }
        return EINVAL
    }

    /// The C library's text for the code (`strerror`, `gai_strerror`).
    package var reason: String {
        switch code {
        case .errno(let value): return errnoText(value)
        case .addressInfo(let status): return String(cString: gai_strerror(status))
        }
    }

    package var description: String { "\(operation): \(reason)" }
}

/// `strerror(code)` as a Swift string.
package func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Runs `call` again while it fails with EINTR (a signal arrived); returns its last result, with
/// `errno` set when that is negative. The one place where EINTR is retried.
@inlinable
package func retryingEINTR<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}

/// `poll(2)` on `descriptors`, retried on EINTR; `milliseconds` -1 waits without limit.
package func pollRetrying(_ descriptors: inout [pollfd], milliseconds: Int32) -> Int32 {
    let count = nfds_t(descriptors.count)
    return descriptors.withUnsafeMutableBufferPointer { buffer in
        retryingEINTR { poll(buffer.baseAddress, count, milliseconds) }
    }
}
