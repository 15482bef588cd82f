import COpenSSL
import FuzzSupport
import ISO7816

/// The invariant of issue 13: nothing but CONFIRM TRANSFER's signature (9E) and the card-built
/// certification request's signature (`80 50 00 01`) ever verifies under the transfer key, and
/// the request's signing input is a CertificationRequestInfo (first byte 30), never something
/// that parses as a DTBS (`70`).
///
/// Every response of the card is checked, whatever command it answers: each window of k bytes of
/// an answer (k the modulus size; the parts GET RESPONSE returns are joined first) is raised to
/// the public exponent of every transfer key the token has had. A signature representative that
/// is an EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2: `00 01 FF…FF 00 T`, at least 8 FF) means the
/// transfer key signed T, whatever the hash; it must be the signature of the answer it ends, and
/// T the SHA-256 DigestInfo of the DTBS or CertificationRequestInfo that answer carries.
final class TransferKeyWatch {
    /// Every transfer public key (modulus, exponent) the token has had, oldest first.
    private(set) var keys: [RSAPublicNumbers] = []
    /// The answer being assembled and the operation that opened it.
    private var answer: [UInt8] = []
    private var answerOperation: AppletExchange.Operation = .other
    private var answerContinues = false

    /// Records the token's current transfer key (a new one after GENERATE of key 01).
    func learn(modulus: [UInt8], exponent: [UInt8]) {
        guard !modulus.isEmpty, !keys.contains(where: { $0.modulus == modulus }) else { return }
        keys.append(RSAPublicNumbers.shared(modulus: modulus, exponent: exponent))
    }

    /// Checks one response, in the order the card gave them.
    func check(_ exchange: AppletExchange) {
        if !(exchange.isGetResponse && answerContinues) {
            answer = []
            answerOperation = exchange.isFinal ? exchange.operation : .other
        }
        let start = answer.count
        answer += exchange.data
        answerContinues = exchange.statusWord.sw1 == 0x61
        let allowed = answerContinues ? nil : allowedSignature(exchange)
        var allowedVerified = false
        for key in keys where answer.count >= key.size {
            for end in stride(from: max(start + 1, key.size), through: answer.count, by: 1) {
                let window = answer[(end - key.size)..<end]
                guard let signed = key.signedDigestInfo(window) else { continue }
                fuzzRequire(allowed.map { $0.signature.elementsEqual(window) && $0.digestInfo == signed } ?? false,
                            "a response verifies under the transfer key: \(answerOperation) answered "
                            + "\(exchange.statusWord), window \(end - key.size)..<\(end) signs \(signed.hexString)")
                allowedVerified = true
            }
        }
        if allowed != nil {
            fuzzRequire(allowedVerified, "\(answerOperation)'s signature does not verify under the transfer key")
        }
    }

    /// The signature the complete answer may carry, and the DigestInfo it signs.
    private func allowedSignature(_ exchange: AppletExchange) -> (signature: [UInt8], digestInfo: [UInt8])? {
        guard exchange.statusWord == .success else { return nil }
        switch answerOperation {
        case .confirmTransfer:
            // 7C {70 DTBS, 9E signature}; AppletSession checks the DTBS's fields.
            guard let fields = try? TLV(parsing: answer).children(), let dtbs = fields.first(0x70),
                  let signature = fields.first(0x9E) else {
                fatalError("invariant violated: a confirmed transfer answers 7C {70, 9E}")
            }
            return (signature.value, TransferKeyWatch.sha256DigestInfo(dtbs.bytes))
        case .certificationRequest(key: 0x01):
            // CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature BIT STRING }
            guard let parts = try? TLV(parsing: answer).children(), parts.count == 3, parts[2].tag == 0x03,
                  parts[2].value.first == 0x00 else {
                fatalError("invariant violated: the card-built request is SEQUENCE {info, algorithm, BIT STRING}")
            }
            let info = parts[0].bytes
            fuzzRequire(info.first == 0x30 && (try? TLV(parsing: info))?.tag != 0x70,
                        "the request's signing input could parse as a DTBS (70): \(info.prefix(4).hexString)")
            return (Array(parts[2].value.dropFirst()), TransferKeyWatch.sha256DigestInfo(info))
        default:
            return nil
        }
    }

    static func sha256DigestInfo(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        SHA256(message, message.count, &digest)
        return [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20] + digest
    }
}

/// An RSA public key as big numbers, for the public operation s^e mod n.
final class RSAPublicNumbers {
    let modulus: [UInt8]
    /// k, the modulus size in bytes.
    let size: Int
    private let n: OpaquePointer
    private let e: OpaquePointer
    private let context: OpaquePointer
    /// Windows already found not to be signatures (the same certificates and public keys come
    /// back in every script), bounded.
    private var plain: Set<[UInt8]> = []

    /// One instance per key for the whole process, so that its ``plain`` windows carry over
    /// from one script to the next (the keys are the pool's).
    nonisolated(unsafe) private static var instances: [[UInt8]: RSAPublicNumbers] = [:]

    static func shared(modulus: [UInt8], exponent: [UInt8]) -> RSAPublicNumbers {
        if let known = instances[modulus + exponent] { return known }
        let numbers = RSAPublicNumbers(modulus: modulus, exponent: exponent)
        instances[modulus + exponent] = numbers
        return numbers
    }

    private init(modulus: [UInt8], exponent: [UInt8]) {
        let magnitude = Array(modulus.drop(while: { $0 == 0 }))
        self.modulus = magnitude
        size = magnitude.count
        n = BN_bin2bn(magnitude, Int32(magnitude.count), nil)
        e = BN_bin2bn(exponent, Int32(exponent.count), nil)
        context = BN_CTX_new()
    }

    deinit {
        BN_free(n)
        BN_free(e)
        BN_CTX_free(context)
    }

    /// T when `window`^e mod n is `00 01 FF…FF 00 T` with at least 8 FF (a PKCS#1 v1.5
    /// signature by this key, whatever T is), else `nil`.
    func signedDigestInfo(_ window: ArraySlice<UInt8>) -> [UInt8]? {
        let window = Array(window)
        guard window.count == size, window.lexicographicallyPrecedes(modulus), !plain.contains(window) else { return nil }
        let s = BN_bin2bn(window, Int32(size), nil)
        let m = BN_new()
        defer { BN_free(s); BN_free(m) }
        var block = [UInt8](repeating: 0, count: size)
        guard BN_mod_exp(m, s, e, n, context) == 1, BN_bn2binpad(m, &block, Int32(size)) == Int32(size) else {
            fatalError("BN_mod_exp failed")
        }
        var index = 2
        while index < size && block[index] == 0xFF { index += 1 }
        guard block[0] == 0x00, block[1] == 0x01, index - 2 >= 8, index < size, block[index] == 0x00 else {
            if plain.count > 50_000 { plain.removeAll() }
            plain.insert(window)
            return nil
        }
        return Array(block[(index + 1)...])
    }
}
