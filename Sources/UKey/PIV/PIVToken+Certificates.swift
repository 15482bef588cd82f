import ISO7816
import PIVProtocol

/// The certificate objects beside the key slots: `53 L {70 DER, 71 00, FE 00}` (SP 800-73-4
/// part 1, appendix A). Reading needs nothing; writing and deleting need the management key.
extension PIVToken {
    /// The slot's certificate; ``TokenError/notPersonalized(_:)`` (no certificate) if it has none.
    public func certificate(slot: PIVSlot) async throws(TokenError) -> Certificate {
        try await operation { session throws(TokenError) in
            guard let certificate = try await session.certificate(slot) else { throw .notPersonalized(.noCertificate) }
            return certificate
        }
    }

    /// PUT DATA the slot's certificate after 9B mutual authentication with `managementKey`.
    public func putCertificate(_ certificate: Certificate, slot: PIVSlot, managementKey: PIVManagementKey) async throws(TokenError) {
        try await putObject(slot, object: PIVSession.certificateObject(certificate.der), managementKey: managementKey)
    }

    /// PUT DATA `53 00`: the slot's certificate is gone (the key stays).
    public func deleteCertificate(slot: PIVSlot, managementKey: PIVManagementKey) async throws(TokenError) {
        try await putObject(slot, object: [], managementKey: managementKey)
    }

    private func putObject(_ slot: PIVSlot, object: [UInt8], managementKey: PIVManagementKey) async throws(TokenError) {
        try await operation { session throws(TokenError) in
            try await session.authenticate(managementKey)
            _ = try await session.send(PIVCommand.putData(slot.certificateTag, object: object), operation: "PUT DATA \(slot.hex)",
                                       securityStatus: .managementKeyRequired)
        }
    }
}

extension PIVSession {
    /// GET DATA of the slot's certificate object; `nil` when absent (6A82).
    func certificate(_ slot: PIVSlot) async throws(TokenError) -> Certificate? {
        guard let object = try await object(slot.certificateTag, operation: "GET DATA \(slot.hex)") else { return nil }
        let fields: [TLV], der: TLV
        do {
            fields = try TLV.sequence(parsing: object)
            der = try fields.required(PIVWire.CertificateTag.certificate)
        } catch {
            throw .malformedResponse("the certificate object of slot \(slot.hex) has no 70 (certificate)")
        }
        if let info = fields.first(PIVWire.CertificateTag.info), info.value != [0x00] {
            throw .malformedResponse("the certificate of slot \(slot.hex) is compressed (71 \(info.value.hexString)), which UKey never writes")
        }
        do { return try Certificate(der: der.value) }
        catch { throw .malformedResponse("certificate of slot \(slot.hex): \(error)") }
    }

    /// `70 DER, 71 00, FE 00`: the value of a certificate object (uncompressed, empty LRC).
    static func certificateObject(_ der: [UInt8]) -> [UInt8] {
        TLV(tag: PIVWire.CertificateTag.certificate, value: der).bytes + TLV(tag: PIVWire.CertificateTag.info, value: [0x00]).bytes
            + TLV(tag: PIVWire.CertificateTag.errorDetectionCode, value: []).bytes
    }
}
