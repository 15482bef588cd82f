import COpenSSL

/// Owns one libcrypto `X509` and frees it with `X509_free` when released.
package final class X509Handle: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Parses exactly one DER certificate (`d2i_X509`); trailing bytes are refused.
    package convenience init(der: [UInt8]) throws(PKIError) {
        let x509 = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let x509 else {
            ERR_clear_error()
            throw .invalidEncoding("not one DER X.509 certificate")
        }
        self.init(taking: x509)
    }

    /// Parses the first PEM `CERTIFICATE` block (`PEM_read_bio_X509`).
    package convenience init(pem: [UInt8]) throws(PKIError) {
        guard let x509 = MemoryBIO.reading(pem, { bio in PEM_read_bio_X509(bio, nil, nil, nil) }) else {
            ERR_clear_error()
            throw .invalidEncoding("no PEM certificate")
        }
        self.init(taking: x509)
    }

    /// The DER encoding (`i2d_X509`).
    package func der() throws(PKIError) -> [UInt8] {
        let length = i2d_X509(pointer, nil)
        guard length > 0 else { throw .openSSL("i2d_X509") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_X509(pointer, &cursor)
        }
        guard written == length else { throw .openSSL("i2d_X509") }
        return der
    }

    /// The certified public key (`X509_get_pubkey`, which returns a new reference).
    package func publicKey() throws(PKIError) -> EVPKey {
        guard let key = X509_get_pubkey(pointer) else { throw .openSSL("X509_get_pubkey") }
        return EVPKey(taking: key)
    }
}
