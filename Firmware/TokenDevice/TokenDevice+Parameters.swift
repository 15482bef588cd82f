import CardOS
import CCID

/// PC_to_RDR_SetParameters checks (CCID rev 1.1 §6.1.7): the protocol data structure starts
/// at offset 10, and a value the token cannot use fails with that field's offset in bError.
extension TokenDevice {
    /// Fi for each Fi index of TA1 (ISO/IEC 7816-3 Table 7); 0 marks RFU.
    private static var fiTable: [Int] { [372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0] }
    /// Di for each Di index of TA1 (ISO/IEC 7816-3 Table 8); 0 marks RFU.
    private static var diTable: [Int] { [0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0] }

    /// The offset of the first field the token does not support, or `nil` when it accepts them all.
    /// The T=0 card (`tpduT0`) refuses T=1 (bProtocolNum, offset 7): its reader offers T=0 only.
    static func badField(_ data: CCIDProtocolData, exchange: ExchangeLevel = .extendedAPDU) -> UInt8? {
        if exchange == .tpduT0, case .t1 = data { return 7 }
        switch data {
        case .t0(let t0):
            if !supportsRate(t0.bmFindexDindex) { return 10 }
            // Direct convention only (the ATR's TS is 3B); other bits RFU.
            if t0.bmTCCKST0 != 0x00 { return 11 }
            // WI 00 is RFU.
            if t0.bWaitingIntegerT0 == 0 { return 13 }
            if t0.bClockStop > 3 { return 14 }
            return nil
        case .t1(let t1):
            if !supportsRate(t1.bmFindexDindex) { return 10 }
            // 0x10 with direct convention (bit 1 clear) and the LRC (bit 0 clear): no CRC.
            if t1.bmTCCKST1 != 0x10 { return 11 }
            // BWI 0…9 (ISO/IEC 7816-3 §11.4.3); CWI 0…15.
            if t1.bwi > 9 { return 13 }
            if t1.bClockStop > 3 { return 14 }
            // IFSC 1…254 (00 and FF are reserved).
            if t1.bIFSC == 0x00 || t1.bIFSC == 0xFF { return 15 }
            // dwFeatures does not announce NADs other than 0.
            if t1.bNadValue != 0 { return 16 }
            return nil
        }
    }

    /// Whether Fi/Di is defined and gives at most dwMaxDataRate at the 4 MHz clock, i.e.
    /// Di/Fi at most 32/372.
    static func supportsRate(_ bmFindexDindex: UInt8) -> Bool {
        let fi = fiTable[Int(bmFindexDindex >> 4)]
        let di = diTable[Int(bmFindexDindex & 0x0F)]
        return fi != 0 && di != 0 && di * 372 <= 32 * fi
    }
}
