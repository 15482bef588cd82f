import CardOS
import ISO7816
import PIVProtocol

extension PIVApplet {
    /// VERIFY `00 20 00 80 08 PIN-FF-padded`; without data it asks the state (9000 when verified,
    /// else 63Cx); `00 20 FF 80` without data forgets the verification.
    func verify(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p2 == 0x80 else { throw .referencedDataNotFound }
        switch command.p1 {
        case 0xFF:
            guard command.data.isEmpty else { throw .wrongLength }
            pinVerified = false
            pinAlwaysGrant = false
            return []
        case 0x00 where command.data.isEmpty:
            let tries = pin.triesLeft(in: platform.memory)
            guard tries > 0 else { throw .authenticationMethodBlocked }
            guard pinVerified else { throw .verificationFailed(triesLeft: tries) }
            return []
        case 0x00:
            let candidate = try PIVApplet.reference(command.data, PIVCredentials.isValidPIN)
            try checkPIN { () throws(StatusWord) in try pin.verify(candidate, in: platform.memory) }
            return []
        default:
            throw .wrongP1P2
        }
    }

    /// CHANGE REFERENCE DATA `00 24 00 80|81 10 old(8) new(8)`: the PIN (80) or the PUK (81),
    /// each checked against its own counter.
    func changeReference(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p1 == 0x00 else { throw .wrongP1P2 }
        guard command.data.count == 16 else { throw .wrongLength }
        switch command.p2 {
        case 0x80:
            let old = try PIVApplet.reference(Array(command.data[..<8]), PIVCredentials.isValidPIN)
            let new = try PIVApplet.reference(Array(command.data[8...]), PIVCredentials.isValidPIN)
            try checkPIN { () throws(StatusWord) in
                try pin.verify(old, in: platform.memory) { record in record.value = new }
            }
        case 0x81:
            let old = try PIVApplet.reference(Array(command.data[..<8]), PIVCredentials.isValidPUK)
            let new = try PIVApplet.reference(Array(command.data[8...]), PIVCredentials.isValidPUK)
            try puk.reportingBlock(in: platform.memory, presence: platform.presence) { () throws(StatusWord) in
                try puk.verify(old, in: platform.memory) { record in record.value = new }
            }
        default:
            throw .referencedDataNotFound
        }
        return []
    }

    /// RESET RETRY COUNTER `00 2C 00 80 10 PUK(8) newPIN(8)`: a correct PUK sets the new PIN with
    /// all its tries, in the same NVM transaction; the PIN is not verified afterwards.
    func resetRetryCounter(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0080)
        guard command.data.count == 16 else { throw .wrongLength }
        let unblockingKey = try PIVApplet.reference(Array(command.data[..<8]), PIVCredentials.isValidPUK)
        let new = try PIVApplet.reference(Array(command.data[8...]), PIVCredentials.isValidPIN)
        guard let current = pin.read(from: platform.memory) else { throw .referenceDataNotUsable }
        let replacement = PINRecord(value: new, maxTries: current.maxTries, mustChange: false)
        try puk.reportingBlock(in: platform.memory, presence: platform.presence) { () throws(StatusWord) in
            try puk.verify(unblockingKey, in: platform.memory, alsoWriting: [(PIVRecords.pin, replacement.bytes)])
        }
        pinVerified = false
        pinAlwaysGrant = false
        return []
    }

    /// A reference value as sent: 8 bytes, the value then FF padding. A value of the wrong
    /// format is 6A80 and costs no try.
    static func reference(_ field: [UInt8], _ isValid: ([UInt8]) -> Bool) throws(StatusWord) -> [UInt8] {
        guard field.count == 8 else { throw .wrongLength }
        let end = field.firstIndex(of: 0xFF) ?? field.count
        guard field[end...].allSatisfy({ $0 == 0xFF }) else { throw .wrongData }
        let value = Array(field[..<end])
        guard isValid(value) else { throw .wrongData }
        return value
    }

    /// Runs a PIN check: success verifies the PIN (and grants one 9C use); failure clears both.
    private func checkPIN(_ check: () throws(StatusWord) -> Void) throws(StatusWord) {
        do {
            try pin.reportingBlock(in: platform.memory, presence: platform.presence, check)
            pinVerified = true
            pinAlwaysGrant = true
        } catch {
            pinVerified = false
            pinAlwaysGrant = false
            throw error
        }
    }
}
