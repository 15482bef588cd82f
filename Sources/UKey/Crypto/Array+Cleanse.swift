import COpenSSL

extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros in a way the optimiser cannot drop (`OPENSSL_cleanse`):
    /// for buffers that held a secret.
    package mutating func cleanse() {
        withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { OPENSSL_cleanse(base, buffer.count) }
        }
    }
}
