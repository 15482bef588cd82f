import CardOS
import ISO7816

extension BankingApplet {
    /// GET DATA `00 CA 01 00` (token information) and `00 CA 01 10` (certificate).
    func getData(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.data.isEmpty else { throw .wrongLength }
        switch UInt16(command.p1) << 8 | UInt16(command.p2) {
        case 0x0100:
            return tokenInfo
        case 0x0110:
            guard let certificate = platform.memory.read(BankingRecords.certificate) else {
                throw .referencedDataNotFound
            }
            return certificate
        default:
            throw .referencedDataNotFound
        }
    }

    /// `C0` serial, `C1` version, `C2` key state, `C3` PIN tries, `C4` PUK tries, `C5` counter,
    /// `C6` display (lines, columns), `C7` PIN must change.
    var tokenInfo: [UInt8] {
        let memory = platform.memory
        let keyState: UInt8 = storedKey?.algorithm ?? 0x00
        let value = counter
        let mustChange: UInt8 = pin.read(from: memory)?.mustChange == false ? 0x00 : 0x01
        let objects = [
            TLV(tag: 0xC0, value: serial),
            TLV(tag: 0xC1, value: BankingApplet.version),
            TLV(tag: 0xC2, value: [keyState]),
            TLV(tag: 0xC3, value: [UInt8(pin.triesLeft(in: memory))]),
            TLV(tag: 0xC4, value: [UInt8(puk.triesLeft(in: memory))]),
            TLV(tag: 0xC5, value: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]),
            TLV(tag: 0xC6, value: [UInt8(Screen.lineCount), UInt8(Screen.columnCount)]),
            TLV(tag: 0xC7, value: [mustChange]),
        ]
        var out: [UInt8] = []
        for object in objects { out += object.bytes }
        return out
    }
}
