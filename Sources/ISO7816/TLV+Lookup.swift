/// Lookups that name what is missing: `try TLV(parsing: data).required(0x7C).child(0x82)` instead
/// of a chain of `try?` and tag comparisons. A missing or misplaced object throws
/// ``TLVError/missing(tag:)`` with its tag; a caller maps the error once (an applet to its status
/// word, the host to ``TLVError``'s text).
///
/// These are for BER-TLV only. A format that is not BER-TLV (YKOATH's length-less property byte
/// `78 pp`, a fixed layout) gets a parser and an error type of its own rather than going through
/// `TLV`.
extension TLV {
    /// Parses exactly one object that spans all of `bytes` and must have `tag`.
    public init(parsing bytes: some Collection<UInt8>, tag: Tag) throws(TLVError) {
        self = try TLV(parsing: bytes).required(tag)
    }

    /// This object, if its tag is `tag`.
    public func required(_ tag: Tag) throws(TLVError) -> TLV {
        guard self.tag == tag else { throw .missing(tag: tag) }
        return self
    }

    /// The first child with `tag` of this constructed object.
    public func child(_ tag: Tag) throws(TLVError) -> TLV {
        try children().required(tag)
    }
}

extension Array where Element == TLV {
    /// The first object with `tag`.
    public func required(_ tag: Tag) throws(TLVError) -> TLV {
        guard let object = first(tag) else { throw .missing(tag: tag) }
        return object
    }
}
