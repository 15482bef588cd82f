import ISO7816

/// The YKOATH wire vocabulary (Yubico's "YKOATH protocol", as yubikit-python's `oath.py` speaks
/// it), spelled once for the card (`Firmware/OATHApplet`) and the host (`Sources/UKey/OATH`).
package enum OATHWire {
    /// `A0 00 00 05 27 21 01`: Yubico's RID and the OATH PIX.
    package static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01]
    /// The version SELECT reports (tag 79): 5.7.0, so that ykman offers touch (≥ 4.2.6),
    /// SHA-512 (≥ 4.3.1) and RENAME (≥ 5.3.1).
    package static let version: [UInt8] = [5, 7, 0]

    /// INS bytes (CLA 00).
    package enum Instruction {
        package static let put: UInt8 = 0x01
        package static let delete: UInt8 = 0x02
        package static let setCode: UInt8 = 0x03
        package static let reset: UInt8 = 0x04
        package static let rename: UInt8 = 0x05
        package static let list: UInt8 = 0xA1
        package static let calculate: UInt8 = 0xA2
        package static let validate: UInt8 = 0xA3
        package static let calculateAll: UInt8 = 0xA4
        package static let sendRemaining: UInt8 = 0xA5
    }

    /// TLV tags.
    package enum Tag {
        package static let name: ISO7816.Tag = 0x71
        package static let nameList: ISO7816.Tag = 0x72
        package static let key: ISO7816.Tag = 0x73
        package static let challenge: ISO7816.Tag = 0x74
        package static let response: ISO7816.Tag = 0x75
        package static let truncated: ISO7816.Tag = 0x76
        package static let hotp: ISO7816.Tag = 0x77
        /// The property byte: `78 02` (require touch), with NO length byte (ykman sends it so).
        package static let property: UInt8 = 0x78
        package static let version: ISO7816.Tag = 0x79
        package static let imf: ISO7816.Tag = 0x7A
        /// The access key's algorithm in SELECT's answer.
        package static let algorithm: ISO7816.Tag = 0x7B
        package static let touch: ISO7816.Tag = 0x7C
    }

    /// The property bit "require touch".
    package static let requireTouch: UInt8 = 0x02
    /// RESET's P1P2: `DE AD`.
    package static let resetP1P2: UInt16 = 0xDEAD
    /// CALCULATE / CALCULATE ALL P2: 01 answers the 4-byte dynamic truncation, 00 the full HMAC.
    package static let truncateP2: UInt8 = 0x01

    /// The high nibble of a credential's type byte.
    package enum Kind: UInt8, Sendable {
        case hotp = 0x10
        case totp = 0x20
    }

    /// The low nibble: the HMAC hash.
    package enum Algorithm: UInt8, Sendable {
        case sha1 = 0x01
        case sha256 = 0x02
        case sha512 = 0x03

        /// The hash's block size: a longer key is hashed first (RFC 2104), by the host.
        package var blockSize: Int { self == .sha512 ? 128 : 64 }
    }
}

/// RFC 4226 §5.3's dynamic truncation and the decimal code, for the card's screen and the host.
package enum OATHCode {
    /// The 31-bit value at the offset the last nibble of `hmac` names.
    package static func truncate(_ hmac: [UInt8]) -> UInt32 {
        guard let last = hmac.last else { return 0 }
        let offset = Int(last & 0x0F)
        guard offset + 4 <= hmac.count else { return 0 }
        return (UInt32(hmac[offset]) & 0x7F) << 24 | UInt32(hmac[offset + 1]) << 16
            | UInt32(hmac[offset + 2]) << 8 | UInt32(hmac[offset + 3])
    }

    /// `value` mod 10^digits, zero-padded to `digits` decimal digits.
    package static func digits(_ value: UInt32, count digits: Int) -> String {
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        var text = String(value % modulus)
        while text.utf8.count < digits { text = "0" + text }
        return text
    }

    /// A name's TOTP period: the `NN/` prefix ykman writes for a period other than 30 s.
    package static func period(ofName name: [UInt8]) -> UInt64 {
        var value: UInt64 = 0
        var index = 0
        while index < name.count, index < 6, name[index] >= 0x30, name[index] <= 0x39 {
            value = value * 10 + UInt64(name[index] - 0x30)
            index += 1
        }
        guard index > 0, index < name.count, name[index] == 0x2F, value > 0 else { return 30 }
        return value
    }
}
