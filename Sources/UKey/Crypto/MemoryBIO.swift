import COpenSSL

/// Memory `BIO`s for the PEM functions of libcrypto, created and freed around one call.
package enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `bytes` (`BIO_new_mem_buf`).
    package static func reading<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { buffer -> T? in
            guard let base = buffer.baseAddress, let bio = BIO_new_mem_buf(base, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Runs `write` on an empty memory BIO (`BIO_new(BIO_s_mem())`) and returns what it wrote,
    /// or `nil` when `write` reports failure. `secret` uses `BIO_s_secmem()`, whose buffer is
    /// cleared when freed: for private keys.
    package static func writing(secret: Bool = false, _ write: (OpaquePointer) -> Bool) -> [UInt8]? {
        guard let bio = BIO_new(secret ? BIO_s_secmem() : BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard write(bio) else { return nil }
        let pending = Int(BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: pending)
        let read = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        guard read == Int32(pending) else { return nil }
        return out
    }
}
