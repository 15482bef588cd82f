import CardOS
import ISO7816
import BankingProtocol

extension BankingApplet {
    /// GET DATA `00 CA 01 00` (token information) and `00 CA 01 1k` (key `k`'s certificate).
    func getData(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.data.isEmpty else { throw .wrongLength }
        if command.p1p2 == BankingWire.P1P2.tokenInfo { return tokenInfo }
        guard let key = BankingKey(certificateP1P2: command.p1p2),
              let certificate = platform.memory.read(BankingRecords.certificate(key)) else {
            throw .referencedDataNotFound
        }
        return certificate
    }

    /// `C0` serial, `C1` version, `C2` transfer key, `C3` PIN tries, `C4` PUK tries, `C5`
    /// transfer counter, `C6` display (lines, columns), `C7` PIN must change, `C8`
    /// authentication key, `C9` decryption key, `CA` authentication counter, `CB` PIN-entry
    /// policy (00 keypad or computer, 01 keypad only). A key is its
    /// algorithm byte, 00 when absent.
    var tokenInfo: [UInt8] {
        let memory = platform.memory
        let mustChange: UInt8 = pin.read(from: memory)?.mustChange == false ? 0x00 : 0x01
        let objects = [
            TLV(tag: BankingWire.InfoTag.serial, value: serial),
            TLV(tag: BankingWire.InfoTag.version, value: BankingApplet.version),
            TLV(tag: BankingWire.InfoTag.transferKeyAlgorithm, value: [storedKey(.transfer)?.algorithm ?? 0x00]),
            TLV(tag: BankingWire.InfoTag.pinTriesLeft, value: [UInt8(pin.triesLeft(in: memory))]),
            TLV(tag: BankingWire.InfoTag.pukTriesLeft, value: [UInt8(puk.triesLeft(in: memory))]),
            TLV(tag: BankingWire.InfoTag.transferCounter, value: BankingApplet.bigEndian(counter(BankingRecords.transferCounter))),
            TLV(tag: BankingWire.InfoTag.display, value: [UInt8(Screen.lineCount), UInt8(Screen.columnCount)]),
            TLV(tag: BankingWire.InfoTag.pinMustChange, value: [mustChange]),
            TLV(tag: BankingWire.InfoTag.authenticationKeyAlgorithm, value: [storedKey(.authentication)?.algorithm ?? 0x00]),
            TLV(tag: BankingWire.InfoTag.decryptionKeyAlgorithm, value: [storedKey(.decryption)?.algorithm ?? 0x00]),
            TLV(tag: BankingWire.InfoTag.authenticationCounter, value: BankingApplet.bigEndian(counter(BankingRecords.authenticationCounter))),
            TLV(tag: BankingWire.InfoTag.pinEntryPolicy, value: [pinEntryPolicy.rawValue]),
        ]
        var out: [UInt8] = []
        for object in objects { out += object.bytes }
        return out
    }
}
