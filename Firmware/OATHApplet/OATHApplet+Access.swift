import CardOS
import ISO7816
import OATHProtocol

extension OATHApplet {
    /// SET CODE `73 algorithm key, 74 challenge, 75 HMAC(key, challenge)`: sets the access key
    /// once the host proved it holds it; `73` empty removes it. (With a key set, only after
    /// VALIDATE: ``process(_:)`` checks.)
    func setCode(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        let list = try fields(command.data)
        guard let keyField = list.first(OATHWire.Tag.key)?.value else { throw .wrongData }
        if keyField.isEmpty {
            guard list.count == 1 else { throw .wrongData }
            try platform.memory.commitRecords([(OATHRecords.accessKey, nil)])
            authenticated = false
            return []
        }
        guard list.count == 3, keyField.count >= 2, keyField.count <= 65,
              let algorithm = OATHWire.Algorithm(rawValue: keyField[0] & 0x0F),
              let challenge = list.first(OATHWire.Tag.challenge)?.value, !challenge.isEmpty,
              let response = list.first(OATHWire.Tag.response)?.value
        else { throw .wrongData }
        let expected = try hmac(algorithm.hash, key: Array(keyField[1...]), data: challenge)
        guard constantTimeEqual(expected, response) else { throw .referenceDataNotUsable }
        try platform.memory.commitRecords([(OATHRecords.accessKey, keyField)])
        authenticated = true
        return []
    }

    /// VALIDATE `75 HMAC(key, SELECT's challenge), 74 host challenge`: proves the host's key
    /// (one try per SELECT) and answers `75 HMAC(key, host challenge)`, so the host knows the card.
    func validate(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        let list = try fields(command.data)
        guard let response = list.first(OATHWire.Tag.response)?.value,
              let hostChallenge = list.first(OATHWire.Tag.challenge)?.value, !hostChallenge.isEmpty, hostChallenge.count <= 64
        else { throw .wrongData }
        let challenge = cardChallenge
        cardChallenge = nil
        guard let access = accessKey, let challenge else { throw .referenceDataNotUsable }
        let expected = try hmac(access.algorithm.hash, key: access.key, data: challenge)
        guard constantTimeEqual(expected, response) else { throw .referenceDataNotUsable }
        authenticated = true
        return TLV(tag: OATHWire.Tag.response, value: try hmac(access.algorithm.hash, key: access.key, data: hostChallenge)).bytes
    }

    /// RESET `00 04 DE AD`: deletes every credential and the access key, and draws a new salt
    /// (a new device id for ykman). Allowed without the access key, as on a YubiKey.
    func resetApplet(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: OATHWire.resetP1P2)
        var writes: [(RecordID, [UInt8]?)] = [(OATHRecords.accessKey, nil), (OATHRecords.salt, try random(8))]
        for index in 0..<OATHRecords.capacity where platform.memory.read(OATHRecords.credential(index)) != nil {
            writes.append((OATHRecords.credential(index), nil))
        }
        try platform.memory.commitRecords(writes)
        reset()
        return []
    }

    /// Compares without an early exit, so the time does not tell how many bytes matched.
    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
