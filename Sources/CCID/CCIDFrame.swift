/// Limits and framing shared by every bulk message parser.
public enum CCIDLimits {
    /// The largest dwMaxCCIDMessageLength the spec allows: 10 + 65,544 (an extended APDU
    /// with its length fields, CCID rev 1.1 §5.1, dwMaxCCIDMessageLength).
    public static let maxMessageLength = 65_554
    /// The smallest dwMaxCCIDMessageLength a reader may announce: 10 + 261.
    public static let minMessageLength = 271
}

/// Checks the framing of one complete bulk message and splits it into header and abData.
///
/// Order of checks: a whole header, 10 + dwLength within `maxMessageLength`, then exactly
/// 10 + dwLength bytes present.
func ccidFrame(_ bytes: some Collection<UInt8>, maxMessageLength: Int) throws(CCIDError)
    -> (header: CCIDHeader, abData: [UInt8])
{
    let b = Array(bytes)
    let header = try CCIDHeader(parsing: b)
    guard header.messageLength <= maxMessageLength else {
        throw .messageTooLong(header, maximum: maxMessageLength)
    }
    guard b.count >= header.messageLength else { throw .truncated(header, available: b.count) }
    guard b.count == header.messageLength else { throw .trailingBytes(header, available: b.count) }
    return (header, Array(b[CCIDHeader.count...]))
}
