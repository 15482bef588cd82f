extension PCSCCard {
    /// The part 10 features the reader offers, each with its control code (for ``control(code:data:)``).
    ///
    /// The corresponding C function is SCardControl with CM_IOCTL_GET_FEATURE_REQUEST. Throws a
    /// ``PCSCError`` from SCardControl, or ``Part10ParseError`` when the answer is malformed.
    public func features() throws -> [PCSCFeature: UInt32] {
        try PCSCFeatureList(parsing: control(code: Self.getFeatureRequest)).controlCodes
    }

    /// The reader's part 10 properties (display layout, largest APDU, USB ids).
    ///
    /// The corresponding C function is SCardControl with the control code of
    /// FEATURE_GET_TLV_PROPERTIES. Throws `PCSCError.unsupportedFeature` when the reader does not
    /// offer the feature, another ``PCSCError`` from SCardControl, or ``Part10ParseError``.
    public func tlvProperties() throws -> PCSCTLVProperties {
        guard let code = try features()[.getTLVProperties] else { throw PCSCError.unsupportedFeature }
        return try PCSCTLVProperties(parsing: control(code: code))
    }

    /// ``attribute(_:)`` decoded as a string (up to the first NUL).
    public func stringAttribute(_ id: PCSCAttribute) throws(PCSCError) -> String {
        PCSCAttribute.string(try attribute(id))
    }

    /// ``attribute(_:)`` decoded as a little-endian DWORD; `.invalidValue` when it is not 1–4 bytes.
    public func integerAttribute(_ id: PCSCAttribute) throws(PCSCError) -> UInt32 {
        guard let value = PCSCAttribute.integer(try attribute(id)) else { throw .invalidValue }
        return value
    }
}
