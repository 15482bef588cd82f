/// Object identifiers that UKey defines itself.
public enum UKeyOID {
    /// The extendedKeyUsage purpose "UKey transfer confirmation key": a certificate carrying it
    /// (and no other purpose) vouches for a token's transfer key, whose only signatures are
    /// CONFIRM TRANSFER's DTBS and the card-built CSR. `TransferVerifier` trusts nothing else.
    ///
    /// It is UUID `0a39502a-4082-4489-821b-bb498e08a74f` as an integer under `2.25`, the arc of
    /// ITU-T X.667 (ISO/IEC 9834-8) where every UUID is an OID that needs no registration.
    public static let transferConfirmation = "2.25.13589866819101286279216456001590437711"
}
