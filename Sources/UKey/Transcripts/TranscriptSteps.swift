import ISO7816

/// The steps every UKey transcript can call (`!name ARGS…`), all hex in and hex out:
///
/// | step | arguments | result |
/// |---|---|---|
/// | `certify` | `7F49` public key template [, subject words…] | DER X.509 certificate from the test CA |
/// | `verify-digest` | key template, digest (20 or 32 bytes), signature | — (fails if invalid) |
/// | `verify-data` | key template, data, signature | — (PKCS#1 v1.5 + SHA-256 over data) |
/// | `verify-transfer` | key template, CONFIRM TRANSFER answer `7C {70, 9E}` | the DTBS, `70 …` encoded |
/// | `tlv` | BER-TLV objects, tag path `7C/9E` | the value of the nested object |
/// | `sha256` | data | SHA-256 |
/// | `digestinfo-sha256` | data | DER DigestInfo of SHA-256(data) |
public enum TranscriptSteps {
    /// The steps that need no certificate authority: ``standard(ca:)`` in `UKeyTestCA` adds
    /// `certify`.
    public static func withoutCA() -> [String: TranscriptStep] {
        [
            "verify-digest": { arguments in try verifyDigest(arguments) },
            "verify-data": { arguments in try verifyData(arguments) },
            "verify-transfer": { arguments in try verifyTransfer(arguments) },
            "tlv": { arguments in try tlv(arguments) },
            "sha256": { arguments in
                try DigestAlgorithm.sha256.hash(hex(only(arguments, 1, usage: "sha256 DATA")[0], "DATA")).hexString
            },
            "digestinfo-sha256": { arguments in
                try DigestAlgorithm.sha256.digestInfo(of: hex(only(arguments, 1, usage: "digestinfo-sha256 DATA")[0], "DATA")).hexString
            },
        ]
    }

    /// `verify-digest PUBKEY DIGEST SIG`: RSASSA-PKCS1-v1_5 over a SHA-256 or SHA-1 digest.
    static func verifyDigest(_ arguments: [String]) throws -> String? {
        let arguments = try only(arguments, 3, usage: "verify-digest PUBKEY DIGEST SIG")
        let key = try publicKey(arguments[0])
        let digest = try hex(arguments[1], "DIGEST")
        guard let algorithm = DigestAlgorithm(digestLength: digest.count) else {
            throw TranscriptStepError("DIGEST has \(digest.count) bytes: neither SHA-256 (32) nor SHA-1 (20)")
        }
        guard key.verify(signature: try hex(arguments[2], "SIG"), digest: digest, algorithm: algorithm) else {
            throw TranscriptStepError("the signature does not verify over the \(algorithm.rawValue) digest with this key")
        }
        return nil
    }

    /// `verify-data PUBKEY DATA SIG`: RSASSA-PKCS1-v1_5 with SHA-256 over DATA.
    static func verifyData(_ arguments: [String]) throws -> String? {
        let arguments = try only(arguments, 3, usage: "verify-data PUBKEY DATA SIG")
        let key = try publicKey(arguments[0])
        guard key.verify(signature: try hex(arguments[2], "SIG"), data: try hex(arguments[1], "DATA")) else {
            throw TranscriptStepError("the signature does not verify over DATA (SHA-256) with this key")
        }
        return nil
    }

    /// `verify-transfer PUBKEY RESPONSE`: RESPONSE is `7C {70 DTBS, 9E signature}`; the signature
    /// must verify (PKCS#1 v1.5, SHA-256) over the `70` object exactly as the card encoded it,
    /// tag and length included. Returns that encoded `70` object.
    static func verifyTransfer(_ arguments: [String]) throws -> String {
        let arguments = try only(arguments, 2, usage: "verify-transfer PUBKEY RESPONSE")
        let key = try publicKey(arguments[0])
        let outer = try tlvObject(hex(arguments[1], "RESPONSE"), "RESPONSE")
        guard outer.tag == 0x7C else { throw TranscriptStepError("RESPONSE is not a 7C object") }
        var index = 0
        var dtbs: [UInt8]? = nil
        var signature: [UInt8]? = nil
        while index < outer.value.count {
            let start = index
            let object: TLV
            do {
                object = try TLV.parseOne(outer.value, at: &index)
            } catch {
                throw TranscriptStepError("RESPONSE: 7C does not hold BER-TLV objects (\(error))")
            }
            if object.tag == 0x70, dtbs == nil { dtbs = Array(outer.value[start..<index]) }
            if object.tag == 0x9E, signature == nil { signature = object.value }
        }
        guard let dtbs, let signature else { throw TranscriptStepError("RESPONSE lacks 70 (DTBS) or 9E (signature)") }
        guard key.verify(signature: signature, data: dtbs) else {
            throw TranscriptStepError("the transfer signature does not verify over the DTBS with this key")
        }
        return dtbs.hexString
    }

    /// `tlv HEX TAG[/TAG…]`: the value of the first object with the first tag among the objects
    /// of HEX, then of the first with the next tag among its children, and so on.
    static func tlv(_ arguments: [String]) throws -> String {
        let arguments = try only(arguments, 2, usage: "tlv HEX TAG[/TAG…]")
        var objects: [TLV]
        do {
            objects = try TLV.sequence(parsing: hex(arguments[0], "HEX"))
        } catch let error as TranscriptStepError {
            throw error
        } catch {
            throw TranscriptStepError("HEX is not BER-TLV (\(error))")
        }
        let path = arguments[1].split(separator: "/", omittingEmptySubsequences: false)
        var value: [UInt8] = []
        for (depth, text) in path.enumerated() {
            guard let bytes = [UInt8](hex: text), (1...4).contains(bytes.count) else {
                throw TranscriptStepError("tag \"\(text)\" is not 1 to 4 bytes of hex")
            }
            let tag = Tag(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            guard let object = objects.first(tag) else {
                let place = depth == 0 ? "at the top level" : "inside " + path[..<depth].joined(separator: "/")
                throw TranscriptStepError("no \(text) object \(place)")
            }
            value = object.value
            if depth < path.count - 1 {
                do {
                    objects = try object.children()
                } catch {
                    throw TranscriptStepError("\(text) does not hold BER-TLV objects (\(error))")
                }
            }
        }
        return value.hexString
    }

    // MARK: Arguments

    package static func only(_ arguments: [String], _ count: Int, usage: String) throws(TranscriptStepError) -> [String] {
        guard arguments.count == count else {
            throw TranscriptStepError("usage: \(usage) (\(arguments.count) argument\(arguments.count == 1 ? "" : "s") given)")
        }
        return arguments
    }

    private static func hex(_ text: String, _ name: String) throws(TranscriptStepError) -> [UInt8] {
        guard let bytes = [UInt8](hex: text) else { throw TranscriptStepError("\(name) is not hex") }
        return bytes
    }

    private static func tlvObject(_ bytes: [UInt8], _ name: String) throws(TranscriptStepError) -> TLV {
        do {
            return try TLV(parsing: bytes)
        } catch {
            throw TranscriptStepError("\(name) is not one BER-TLV object (\(error))")
        }
    }

    package static func publicKey(_ text: String) throws -> RSAPublicKey {
        try RSAPublicKey(publicKeyTemplate: hex(text, "PUBKEY"))
    }
}
