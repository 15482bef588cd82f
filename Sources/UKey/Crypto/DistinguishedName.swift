import COpenSSL

/// X.500 distinguished names as UKey writes them: `CN=Zhang San, O=UKey Test Bank`, attributes
/// in the order they appear in the certificate (RFC 5280 §4.1.2.4), short names from OpenSSL's
/// object table (`CN`, `O`, `OU`, `C`, `serialNumber`, …).
package enum DistinguishedName {
    /// Builds an `X509_NAME` from `CN=…, O=…` (commas separate attributes; a value cannot hold
    /// a comma). The caller frees the result with `X509_NAME_free`.
    package static func make(_ text: String) throws(PKIError) -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw .openSSL("X509_NAME_new") }
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            let field = pair.first.map { String($0).trimmed } ?? ""
            let value = pair.count == 2 ? String(pair[1]).trimmed : ""
            guard pair.count == 2, !field.isEmpty, !value.isEmpty else {
                X509_NAME_free(name)
                throw .invalidInput("distinguished name part \"\(part)\" is not NAME=VALUE")
            }
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, utf8StringType, bytes, Int32(bytes.count), -1, 0) == 1 else {
                X509_NAME_free(name)
                throw .openSSL("X509_NAME_add_entry_by_txt(\(field))")
            }
        }
        guard X509_NAME_entry_count(name) > 0 else {
            X509_NAME_free(name)
            throw .invalidInput("empty distinguished name")
        }
        return name
    }

    /// The DER `Name` of `CN=…, O=…` (`i2d_X509_NAME`).
    package static func der(_ text: String) throws(PKIError) -> [UInt8] {
        let name = try make(text)
        defer { X509_NAME_free(name) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509_NAME(name, &buffer)
        guard length > 0, let buffer else { throw .openSSL("i2d_X509_NAME") }
        defer { CRYPTO_free(buffer, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// `CN=…, O=…` for an `X509_NAME` the caller keeps owning.
    package static func string(_ name: OpaquePointer) -> String {
        var parts: [String] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))
            let field = OBJ_nid2sn(nid).map { String(cString: $0) } ?? "OID\(nid)"
            var utf8: UnsafeMutablePointer<UInt8>? = nil
            let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
            var value = ""
            if length >= 0, let utf8 {
                value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
                CRYPTO_free(utf8, #fileID, #line)
            }
            parts.append("\(field)=\(value)")
        }
        return parts.joined(separator: ", ")
    }

    /// `MBSTRING_UTF8` (`MBSTRING_FLAG | 1`): the value bytes are UTF-8.
    private static let utf8StringType: Int32 = 0x1000 | 1
}

private extension String {
    var trimmed: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
