import CardOS
import ISO7816
import OATHProtocol

extension OATHApplet {
    /// PUT `71 name, 73 type|algorithm digits key, [78 02], [7A counter]`: adds a credential or
    /// replaces the one of that name. The property is `78 02` with no length byte (as ykman and
    /// YubiKeys send it); the counter is HOTP's initial moving factor (up to 8 bytes).
    func put(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        var name: [UInt8]? = nil
        var keyField: [UInt8]? = nil
        var properties: UInt8 = 0
        var counter: UInt64 = 0
        let data = command.data
        var index = 0
        while index < data.count {
            if data[index] == OATHWire.Tag.property {
                guard index + 1 < data.count else { throw .wrongData }
                properties = data[index + 1]
                index += 2
                continue
            }
            let tlv: TLV
            do { tlv = try TLV.parseOne(data, at: &index) } catch { throw .wrongData }
            switch tlv.tag {
            case OATHWire.Tag.name: name = tlv.value
            case OATHWire.Tag.key: keyField = tlv.value
            case OATHWire.Tag.imf:
                guard (1...8).contains(tlv.value.count) else { throw .wrongData }
                counter = tlv.value.reduce(0) { $0 << 8 | UInt64($1) }
            default: throw .wrongData
            }
        }
        guard let name, let keyField, keyField.count >= 3 else { throw .wrongData }
        let credential = try OATHCredential(
            name: name, typeByte: keyField[0], digits: keyField[1],
            requiresTouch: properties & OATHWire.requireTouch != 0, key: Array(keyField[2...]), counter: counter)
        let all = credentials
        let slot: Int
        if let existing = all.first(where: { $0.credential.name == name }) {
            slot = existing.index
        } else {
            guard let free = (0..<OATHRecords.capacity).first(where: { index in !all.contains { $0.index == index } })
            else { throw .notEnoughMemory }
            slot = free
        }
        try platform.memory.commitRecords([(OATHRecords.credential(slot), credential.record)])
        return []
    }

    /// DELETE `71 name`.
    func delete(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        let list = try fields(command.data)
        guard list.count == 1, list[0].tag == OATHWire.Tag.name else { throw .wrongData }
        guard let found = find(list[0].value) else { throw .referenceDataNotUsable }
        try platform.memory.commitRecords([(OATHRecords.credential(found.index), nil)])
        return []
    }

    /// RENAME `71 old, 71 new`: 6984 when there is no `old`, 6A80 when `new` is taken.
    func rename(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        let list = try fields(command.data)
        guard list.count == 2, list[0].tag == OATHWire.Tag.name, list[1].tag == OATHWire.Tag.name,
              !list[1].value.isEmpty, list[1].value.count <= OATHCredential.maxNameLength else { throw .wrongData }
        guard var found = find(list[0].value) else { throw .referenceDataNotUsable }
        guard find(list[1].value) == nil else { throw .wrongData }
        found.credential.name = list[1].value
        try platform.memory.commitRecords([(OATHRecords.credential(found.index), found.credential.record)])
        return []
    }

    /// LIST: `72 {type|algorithm, name}` per credential. Never a key.
    func list(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: 0x0000)
        var answer: [UInt8] = []
        for entry in credentials {
            answer += TLV(tag: OATHWire.Tag.nameList, value: [entry.credential.typeByte] + entry.credential.name).bytes
        }
        return answer
    }
}
