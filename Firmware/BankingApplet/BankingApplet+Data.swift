import CardOS
import ISO7816

extension BankingApplet {
    /// GET DATA `00 CA 01 00` (token information) and `00 CA 01 1k` (key `k`'s certificate).
    func getData(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.data.isEmpty else { throw .wrongLength }
        if command.p1p2 == 0x0100 { return tokenInfo }
        guard let key = BankingKey(certificateP1P2: command.p1p2),
              let certificate = platform.memory.read(BankingRecords.certificate(key)) else {
            throw .referencedDataNotFound
        }
        return certificate
    }

    /// `C0` serial, `C1` version, `C2` transfer key, `C3` PIN tries, `C4` PUK tries, `C5`
    /// transfer counter, `C6` display (lines, columns), `C7` PIN must change, `C8`
    /// authentication key, `C9` decryption key, `CA` authentication counter. A key is its
    /// algorithm byte, 00 when absent.
    var tokenInfo: [UInt8] {
        let memory = platform.memory
        let mustChange: UInt8 = pin.read(from: memory)?.mustChange == false ? 0x00 : 0x01
        let objects = [
            TLV(tag: 0xC0, value: serial),
            TLV(tag: 0xC1, value: BankingApplet.version),
            TLV(tag: 0xC2, value: [storedKey(.transfer)?.algorithm ?? 0x00]),
            TLV(tag: 0xC3, value: [UInt8(pin.triesLeft(in: memory))]),
            TLV(tag: 0xC4, value: [UInt8(puk.triesLeft(in: memory))]),
            TLV(tag: 0xC5, value: BankingApplet.bigEndian(counter(BankingRecords.transferCounter))),
            TLV(tag: 0xC6, value: [UInt8(Screen.lineCount), UInt8(Screen.columnCount)]),
            TLV(tag: 0xC7, value: [mustChange]),
            TLV(tag: 0xC8, value: [storedKey(.authentication)?.algorithm ?? 0x00]),
            TLV(tag: 0xC9, value: [storedKey(.decryption)?.algorithm ?? 0x00]),
            TLV(tag: 0xCA, value: BankingApplet.bigEndian(counter(BankingRecords.authenticationCounter))),
        ]
        var out: [UInt8] = []
        for object in objects { out += object.bytes }
        return out
    }
}
