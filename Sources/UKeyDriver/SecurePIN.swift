import CCID
import ISO7816

/// PC/SC part 10 FEATURE_VERIFY_PIN_DIRECT / FEATURE_MODIFY_PIN_DIRECT as CCID PC_to_RDR_Secure,
/// the way libccid does it (commands.c SecurePINVerify / SecurePINModify): the part 10 structure
/// loses bTimeOut2 and ulDataLength, a modification's bMsgIndex2 / 3 stay only when
/// bNumberMessage asks for them, a bEntryValidationCondition of 0 or above 7 becomes 2 (OK key).
/// The slot errors PIN_CANCELLED and PIN_TIMEOUT come back as the responses `6401` and `6400`.
package enum SecurePIN {
    /// Part 10's PIN_VERIFY_STRUCTURE (19 bytes + the APDU) as the CCID verification structure.
    /// Throws `notSupported` as libccid returns IFD_NOT_SUPPORTED: too short, or ulDataLength
    /// not the APDU's length.
    package static func verification(part10 tx: [UInt8]) throws(DriverError) -> CCIDPINOperation {
        guard tx.count >= 19 + 4 else { throw .notSupported("PIN verify structure of \(tx.count) bytes") }
        guard Int(le32(tx, 15)) + 19 == tx.count else { throw .notSupported("PIN verify structure: wrong ulDataLength") }
        return CCIDPINOperation(bPINOperation: CCIDPINOperation.verification, bTimeOut: tx[0], bmFormatString: tx[2],
                                bmPINBlockString: tx[3], bmPINLengthFormat: tx[4],
                                wPINMaxExtraDigit: UInt16(tx[6]) << 8 | UInt16(tx[5]),
                                bEntryValidationCondition: validation(tx[7]), bNumberMessage: tx[8],
                                wLangId: UInt16(tx[10]) << 8 | UInt16(tx[9]), bMsgIndex: [tx[11]],
                                bTeoPrologue: Array(tx[12..<15]), abPINApdu: Array(tx[19...]))
    }

    /// Part 10's PIN_MODIFY_STRUCTURE (24 bytes + the APDU) as the CCID modification structure.
    package static func modification(part10 tx: [UInt8]) throws(DriverError) -> CCIDPINOperation {
        guard tx.count >= 24 + 4 else { throw .notSupported("PIN modify structure of \(tx.count) bytes") }
        guard Int(le32(tx, 20)) + 24 == tx.count else { throw .notSupported("PIN modify structure: wrong ulDataLength") }
        guard tx[11] <= 3 || tx[11] == 0xFF else { throw .notSupported("bNumberMessage \(tx[11])") }
        let indices = Array(tx[14..<17].prefix(CCIDPINOperation.modificationMessageCount(tx[11])))
        return CCIDPINOperation(bPINOperation: CCIDPINOperation.modification, bTimeOut: tx[0], bmFormatString: tx[2],
                                bmPINBlockString: tx[3], bmPINLengthFormat: tx[4], bInsertionOffsetOld: tx[5],
                                bInsertionOffsetNew: tx[6], wPINMaxExtraDigit: UInt16(tx[8]) << 8 | UInt16(tx[7]),
                                bConfirmPIN: tx[9], bEntryValidationCondition: validation(tx[10]), bNumberMessage: tx[11],
                                wLangId: UInt16(tx[13]) << 8 | UInt16(tx[12]), bMsgIndex: indices,
                                bTeoPrologue: Array(tx[17..<20]), abPINApdu: Array(tx[24...]))
    }

    /// FEATURE_IFD_PIN_PROPERTIES: wLcdLayout, bEntryValidationCondition 07, bTimeOut2 00 (libccid's values).
    package static func pinProperties(wLcdLayout: UInt16) -> [UInt8] {
        le16(wLcdLayout) + [0x07, 0x00]
    }

    /// The response for a failed Secure, as libccid's CCID_Receive fakes it; `nil` for other errors.
    static func response(for error: CCIDSlotError) -> [UInt8]? {
        switch error {
        case .PIN_CANCELLED: return [0x64, 0x01]
        case .PIN_TIMEOUT: return [0x64, 0x00]
        default: return nil
        }
    }

    private static func validation(_ value: UInt8) -> UInt8 { value == 0 || value > 7 ? 0x02 : value }

    private static func le32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
