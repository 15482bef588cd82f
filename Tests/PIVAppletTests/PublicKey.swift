import COpenSSL
import ISO7816

/// The public half of a card key, from GENERATE's `7F49 {81 n, 82 e}`: checks a raw signature by
/// the public operation `s^e mod n` with OpenSSL's big numbers.
struct PublicKey {
    let modulus: [UInt8]
    let exponent: [UInt8]

    init(object: [UInt8]) throws {
        let outer = try TLV(parsing: object)
        precondition(outer.tag == 0x7F49)
        let fields = try TLV.sequence(parsing: outer.value)
        modulus = fields.first(0x81)!.value
        exponent = fields.first(0x82)!.value
    }

    /// `signature^e mod n`, as long as the modulus.
    func open(_ signature: [UInt8]) -> [UInt8] {
        let context = BN_CTX_new()
        defer { BN_CTX_free(context) }
        let s = BN_bin2bn(signature, Int32(signature.count), nil)
        let e = BN_bin2bn(exponent, Int32(exponent.count), nil)
        let n = BN_bin2bn(modulus, Int32(modulus.count), nil)
        let r = BN_new()
        defer { BN_free(s); BN_free(e); BN_free(n); BN_free(r) }
        precondition(BN_mod_exp(r, s, e, n, context) == 1)
        var out = [UInt8](repeating: 0, count: modulus.count)
        precondition(BN_bn2binpad(r, &out, Int32(out.count)) == Int32(out.count))
        return out
    }

    /// A PKCS#1 v1.5 type-1 block for `digestInfo`, as the host builds it for GENERAL AUTHENTICATE.
    func pkcs1Block(_ digestInfo: [UInt8]) -> [UInt8] {
        [0x00, 0x01] + [UInt8](repeating: 0xFF, count: modulus.count - digestInfo.count - 3) + [0x00] + digestInfo
    }
}
