import ISO7816

/// What GET DATA token info (`00 CA 01 00`) says about a token:
///
///     C0 serial (8), C1 firmware version (2), C2 key state, C3 PIN tries left, C4 PUK tries left,
///     C5 signature counter (4, big-endian), C6 display (lines, columns), C7 PIN must change
public struct TokenInfo: Codable, Hashable, Sendable {
    /// The token's serial number in upper-case hex (16 digits).
    public let serial: String
    /// Firmware version, `major.minor`.
    public let firmwareVersion: String
    public let key: KeyState
    public let pinTriesLeft: Int
    public let pukTriesLeft: Int
    /// Private-key signatures made so far (SIGN, INTERNAL AUTHENTICATE, CONFIRM TRANSFER).
    public let signatureCounter: UInt32
    public let displayLines: Int
    public let displayColumns: Int
    /// The factory PIN is still set: change it before the token signs anything.
    public let pinMustChange: Bool

    /// The key the token holds (C2).
    public enum KeyState: String, Codable, Hashable, Sendable {
        case none
        case rsa1024 = "RSA-1024"
        case rsa2048 = "RSA-2048"
    }

    public init(parsing data: [UInt8]) throws(TokenError) {
        guard let objects = try? TLV.sequence(parsing: data) else { throw .malformedResponse("token info is not BER-TLV") }
        func value(_ tag: Tag, count: Int) throws(TokenError) -> [UInt8] {
            guard let object = objects.first(where: { $0.tag == tag }), object.value.count == count else {
                throw .malformedResponse("token info has no \(count)-byte \(hexByte(UInt8(tag.rawValue))) field")
            }
            return object.value
        }
        serial = try value(0xC0, count: 8).hexString
        let version = try value(0xC1, count: 2)
        firmwareVersion = "\(version[0]).\(version[1])"
        switch try value(0xC2, count: 1)[0] {
        case 0x00: key = .none
        case 0x01: key = .rsa1024
        case 0x02: key = .rsa2048
        case let other: throw .malformedResponse("unknown key state \(hexByte(other))")
        }
        pinTriesLeft = Int(try value(0xC3, count: 1)[0])
        pukTriesLeft = Int(try value(0xC4, count: 1)[0])
        signatureCounter = try value(0xC5, count: 4).reduce(0) { $0 << 8 | UInt32($1) }
        let display = try value(0xC6, count: 2)
        displayLines = Int(display[0])
        displayColumns = Int(display[1])
        pinMustChange = try value(0xC7, count: 1)[0] != 0
    }
}
