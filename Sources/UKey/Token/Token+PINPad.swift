import ISO7816

/// The PIN typed on the token's own keypad (PC/SC part 10 FEATURE_VERIFY_PIN_DIRECT /
/// FEATURE_MODIFY_PIN_DIRECT, CCID PC_to_RDR_Secure): the host sends the APDU template, the
/// token takes the digits, and the PIN never crosses USB, so a keylogger on this computer has
/// nothing to catch. Works when the channel's reader offers it (``PINPadChannel``).
extension Token {
    /// Whether the reader offers PIN verification on its keypad. Throws when the reader could
    /// not be asked (a PC/SC failure other than "no features"), rather than answering false.
    public func hasPINPad() async throws(TokenError) -> Bool {
        guard let pad = channel as? any PINPadChannel else { return false }
        return try await pad.pinPadFeatures().verify
    }

    /// VERIFY PIN with the PIN typed on the token (block size 0: Lc is the digits typed).
    /// Cancel throws ``TokenError/pinEntryCancelled``, no digits in time
    /// ``TokenError/pinEntryTimedOut``, a wrong PIN ``TokenError/wrongPIN(triesLeft:)``.
    public func verifyPINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            try await Self.pinPad(session, Self.bankingVerifyStructure, modify: false, operation: "VERIFY PIN")
        }
    }

    /// CHANGE PIN with both PINs typed on the token: the current one, the new one twice
    /// (the banking applet's keypad form `00 24 10 81`, two 8-byte BCD blocks). Differing new
    /// PINs throw ``TokenError/invalidInput(_:)`` and change nothing.
    public func changePINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            try await Self.pinPad(session, Self.bankingChangeStructure, modify: true, operation: "CHANGE PIN")
        }
    }

    /// UNBLOCK PIN with the PUK and the new PIN (twice) typed on the token: the banking
    /// applet's keypad form `00 2C 10 81`, two 8-byte BCD blocks, as CHANGE's. The keypad shows
    /// "Enter PIN" for the PUK (part 10 has no PUK message); the modify structure has one length
    /// range, 6–16, so a PUK under 8 digits reaches the card, which refuses it (6A80, no try used:
    /// ``TokenError/invalidPINFormat``). A wrong PUK throws ``TokenError/wrongPUK(triesLeft:)``.
    public func unblockPINOnDevice() async throws(TokenError) {
        try await operation { session throws(TokenError) in
            do throws(TokenError) {
                try await Self.pinPad(session, Self.bankingUnblockStructure, modify: true, operation: "UNBLOCK PIN")
            } catch {
                throw error.forPUK
            }
        }
    }

    /// Part 10's PIN_VERIFY_STRUCTURE for `00 20 00 81`: ASCII at byte 0, block size 0, 6–16
    /// digits, the OK key ends the entry, one message.
    static var bankingVerifyStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x20, 0x00, 0x81]
        return [0x00, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00]
            + le32(apdu.count) + apdu
    }

    /// Part 10's PIN_MODIFY_STRUCTURE for `00 24 10 81`: BCD in 8-byte blocks at 0 and 8,
    /// 6–16 digits, the current PIN then the new one twice, three messages.
    static var bankingChangeStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x24, 0x10, 0x81, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x00, 0x00, 0x81, 0x08, 0x00, 0x00, 0x08, 0x10, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02,
                0x00, 0x00, 0x00] + le32(apdu.count) + apdu
    }

    /// Part 10's PIN_MODIFY_STRUCTURE for `00 2C 10 81`: as CHANGE's, the PUK in the first block.
    static var bankingUnblockStructure: [UInt8] {
        let apdu: [UInt8] = [0x00, 0x2C, 0x10, 0x81, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x00, 0x00, 0x81, 0x08, 0x00, 0x00, 0x08, 0x10, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04, 0x00, 0x01, 0x02,
                0x00, 0x00, 0x00] + le32(apdu.count) + apdu
    }

    static func pinPad(_ session: TokenSession, _ structure: [UInt8], modify: Bool, operation: String) async throws(TokenError) {
        guard let pad = session.channel as? any PINPadChannel else { throw .noPINPad }
        let bytes = try await pad.pinPad(structure, modify: modify)
        guard let response = try? ResponseAPDU(parsing: bytes) else { throw .malformedResponse("\(operation): \(bytes.count) bytes from the PIN pad") }
        switch response.statusWord.rawValue {
        case 0x6400: throw .pinEntryTimedOut
        case 0x6401: throw .pinEntryCancelled
        case 0x6402: throw .invalidInput("\(operation): the new PINs typed differ; nothing was changed")
        case 0x6403: throw .invalidPINFormat
        default: _ = try TokenSession.data(of: response, operation: operation, pinFormat: true)
        }
    }

    private static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
