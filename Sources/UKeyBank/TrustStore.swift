import UKey
import COpenSSL
import Foundation
import Synchronization

/// The bank's trusted CA certificates in an OpenSSL `X509_STORE`, and the chain check of token
/// certificates against it (`X509_verify_cert`), with results cached by certificate.
///
/// The check is RFC 5280 path validation as OpenSSL does it, with `X509_V_FLAG_X509_STRICT` and
/// the verification time set to the verifier's clock (`X509_STORE_CTX_set_time`). No security
/// level is set (`auth_level` stays unset), so the token's RSA-1024 key is accepted; TLS
/// security levels never apply here. On top, the leaf must not be a CA, must allow
/// digitalSignature or nonRepudiation, must have an extendedKeyUsage of exactly
/// {``UKeyOID/transferConfirmation``} (a transfer certificate: not the token's authentication or
/// decryption key, not a TLS or PIV certificate, not anyExtendedKeyUsage), and must hold an RSA
/// key of at least 1024 bits.
///
/// A certificate that passed is remembered (by its DER bytes, up to ``cacheLimit`` of them)
/// with the chain's validity interval; inside that interval the chain is not checked again, as
/// nothing else about the result can change while the trusted CAs stay the same.
final class TrustStore: @unchecked Sendable {
    private let store: OpaquePointer
    private let verified = Mutex<[CertificateKey: TrustedCertificate]>([:])
    static let cacheLimit = 4096

    /// A store holding `certificates` as trust anchors (`X509_STORE_add_cert`).
    init(trusting certificates: [Certificate]) throws(BankError) {
        guard !certificates.isEmpty else { throw .noTrustedCertificate(path: "(no certificates given)") }
        guard let store = X509_STORE_new() else { throw .pki(.openSSL("X509_STORE_new")) }
        self.store = store
        for certificate in certificates {
            do throws(PKIError) {
                let handle = try X509Handle(der: certificate.der)
                guard X509_STORE_add_cert(store, handle.pointer) == 1 else { throw PKIError.openSSL("X509_STORE_add_cert") }
            } catch {
                throw .pki(error)
            }
        }
    }

    deinit { X509_STORE_free(store) }

    /// The token certificate `der` if it chains to a trusted CA and is valid at `date`, or why not.
    func certificate(der: [UInt8], at date: Date) -> Result<TrustedCertificate, TransferRejection> {
        let key = CertificateKey(der: der)
        if let cached = verified.withLock({ $0[key] }), cached.isValid(at: date) { return .success(cached) }
        let result = check(der: der, at: date)
        if case .success(let trusted) = result {
            verified.withLock { cache in
                if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[key] = trusted
            }
        }
        return result
    }

    private func check(der: [UInt8], at date: Date) -> Result<TrustedCertificate, TransferRejection> {
        guard let leaf = try? X509Handle(der: der) else { return .failure(.malformed("the certificate is not one DER X.509 certificate")) }
        guard let context = X509_STORE_CTX_new() else { return .failure(.untrustedCertificate("X509_STORE_CTX_new failed")) }
        defer {
            X509_STORE_CTX_free(context)
            ERR_clear_error()
        }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, nil) == 1 else {
            return .failure(.untrustedCertificate("X509_STORE_CTX_init failed"))
        }
        X509_STORE_CTX_set_flags(context, UInt(X509_V_FLAG_X509_STRICT))
        X509_STORE_CTX_set_time(context, 0, time_t(date.timeIntervalSince1970.rounded(.down)))
        guard X509_verify_cert(context) == 1 else {
            let code = X509_STORE_CTX_get_error(context)
            switch code {
            case X509_V_ERR_CERT_HAS_EXPIRED: return .failure(.certificateExpired)
            case X509_V_ERR_CERT_NOT_YET_VALID: return .failure(.certificateNotYetValid)
            default:
                let reason = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
                return .failure(.untrustedCertificate(reason))
            }
        }
        guard X509_check_ca(leaf.pointer) == 0 else { return .failure(.untrustedCertificate("a CA certificate cannot sign transfers")) }
        guard X509_get_key_usage(leaf.pointer) & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) != 0 else {
            return .failure(.untrustedCertificate("its key usage allows neither digitalSignature nor nonRepudiation"))
        }
        // Only a transfer key's signatures pass the token's screen: an authentication or PIV key
        // signs whatever a PC with the PIN asks, so only a certificate for exactly the transfer
        // purpose vouches for a transfer, even from the bank's own CA.
        if let reason = Self.transferPurposeProblem(leaf.pointer) { return .failure(.untrustedCertificate(reason)) }
        guard let key = try? leaf.publicKey(), EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_RSA,
              EVP_PKEY_get_bits(key.pointer) >= 1024
        else { return .failure(.untrustedCertificate("the key is not RSA of 1024 bits or more")) }

        var validFrom = Date.distantPast, validUntil = Date.distantFuture
        if let chain = X509_STORE_CTX_get0_chain(context) {
            for index in 0..<OPENSSL_sk_num(chain) {
                guard let raw = OPENSSL_sk_value(chain, index) else { continue }
                let certificate = OpaquePointer(raw)
                if let start = Self.date(X509_get0_notBefore(certificate)) { validFrom = max(validFrom, start) }
                if let end = Self.date(X509_get0_notAfter(certificate)) { validUntil = min(validUntil, end) }
            }
        }
        let name = X509_get_subject_name(leaf.pointer)
        return .success(TrustedCertificate(key: key, subject: name.map(DistinguishedName.string) ?? "",
                                           serialNumber: name.flatMap(Self.serialNumber), validFrom: validFrom,
                                           validUntil: validUntil))
    }

    /// Why the leaf's extendedKeyUsage is not exactly {``UKeyOID/transferConfirmation``}, or `nil`
    /// when it is (`X509_get_ext_d2i` of NID_ext_key_usage, each purpose as a dotted OID).
    private static func transferPurposeProblem(_ leaf: OpaquePointer) -> String? {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(leaf, NID_ext_key_usage, &critical, nil) else {
            return critical == -1
                ? "it has no extendedKeyUsage: it is not a transfer certificate (\(UKeyOID.transferConfirmation))"
                : "its extendedKeyUsage cannot be read (repeated or malformed)"
        }
        let usages = OpaquePointer(raw)
        defer { EXTENDED_KEY_USAGE_free(usages) }
        var purposes: [String] = []
        for index in 0..<OPENSSL_sk_num(usages) {
            guard let object = OPENSSL_sk_value(usages, index) else { continue }
            var buffer = [CChar](repeating: 0, count: 128)
            let length = OBJ_obj2txt(&buffer, Int32(buffer.count), OpaquePointer(object), 1)
            guard length > 0, Int(length) < buffer.count else { return "its extendedKeyUsage holds an unreadable purpose" }
            purposes.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard purposes == [UKeyOID.transferConfirmation] else {
            return "its extendedKeyUsage is {\(purposes.joined(separator: ", "))}, not exactly the transfer purpose {\(UKeyOID.transferConfirmation)}"
        }
        return nil
    }

    /// The value of the one `serialNumber` attribute of `name`, or `nil` when there is none or several.
    private static func serialNumber(_ name: OpaquePointer) -> String? {
        let index = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1)
        guard index >= 0, X509_NAME_get_index_by_NID(name, NID_serialNumber, index) < 0,
              let entry = X509_NAME_get_entry(name, index) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>? = nil
        let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// An `ASN1_TIME` as a date (`ASN1_TIME_to_tm`, `timegm`).
    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// A certificate's DER as a dictionary key: equal only when all bytes are, hashed on the
    /// length and the last 32 bytes (the end of the issuer's signature, different in every
    /// certificate), so a lookup does not hash the whole certificate.
    private struct CertificateKey: Hashable, Sendable {
        let der: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(der.count)
            der.suffix(32).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}
