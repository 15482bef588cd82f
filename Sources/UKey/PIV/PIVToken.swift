import ISO7816
import PIVProtocol

/// The PIV applet of a UKey token (NIST SP 800-73-4 subset): its own PIN, PUK and management
/// key, four key slots with certificates, raw RSA for TLS log-in — and never the banking key.
///
/// Like ``Token``, every operation runs in one transaction of its ``CardChannel`` and starts by
/// selecting the PIV application, so a program using the banking applet (or OpenSC) in between
/// does no harm. The PIV PIN's verified state survives re-selection until the card is reset.
///
/// ```swift
/// let piv = PIVToken(channel: found.token.channel)
/// let key = try await piv.generate(slot: .authentication, algorithm: .rsa2048, managementKey: mgm)
/// let request = try await piv.certificateSigningRequest(slot: .authentication, subject: "CN=Zhang San",
///                                                      publicKey: key, pin: pin)
/// ```
public final class PIVToken: Sendable {
    public let channel: any CardChannel

    public init(channel: any CardChannel) {
        self.channel = channel
    }

    /// The token serial from the CHUID's GUID (8 zero bytes, then the serial; upper-case hex): the same 16
    /// digits as ``TokenInfo/serial``, and what PKCS#11 shows in lower case.
    public func serial() async throws(TokenError) -> String {
        try await operation { session throws(TokenError) in try await session.serial() }
    }

    /// Serial, PIN and PUK state, and each slot's certificate, in one transaction. Uses no try.
    public func info() async throws(TokenError) -> PIVInfo {
        try await operation { session throws(TokenError) in
            var slots: [PIVInfo.Slot] = []
            for slot in PIVSlot.allCases {
                slots.append(PIVInfo.Slot(slot: slot, certificate: try await session.certificate(slot)))
            }
            guard let pin = try await session.status(of: PIVCommand.pinReference) else {
                throw .malformedResponse("VERIFY without data reported no PIN state")
            }
            return PIVInfo(serial: try await session.serial(), pin: pin, puk: try await session.status(of: PIVCommand.pukReference),
                           slots: slots)
        }
    }

    /// Runs `body` in one transaction of the channel, after selecting the PIV application.
    func operation<Result>(_ body: (PIVSession) async throws(TokenError) -> Result) async throws(TokenError) -> Result {
        try await channel.transaction { () async throws(TokenError) -> Result in
            let session = PIVSession(channel: channel)
            try await session.select()
            return try await body(session)
        }
    }
}

extension PIVSession {
    /// GET DATA CHUID, GUID (tag 34): 8 zero bytes, then the token serial (OpenSC takes the
    /// GUID's last 16 hex digits as the PKCS#11 serial).
    func serial() async throws(TokenError) -> String {
        guard let chuid = try await object(PIVCommand.chuidTag, operation: "GET DATA CHUID") else {
            throw .malformedResponse("the PIV applet has no CHUID")
        }
        let guid: TLV
        do { guid = try TLV.sequence(parsing: chuid).required(PIVWire.guidTag) }
        catch { throw .malformedResponse("the CHUID has no 16-byte GUID (34)") }
        guard guid.value.count == 16 else { throw .malformedResponse("the CHUID has no 16-byte GUID (34)") }
        return Array(guid.value.suffix(8)).hexString
    }
}
