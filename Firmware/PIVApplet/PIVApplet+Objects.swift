import CardOS
import ISO7816
import PIVProtocol

extension PIVApplet {
    /// GENERATE ASYMMETRIC KEY PAIR `00 47 00 slot AC{80 01 06|07}`: needs the management key;
    /// answers `7F49{81 n, 82 e}`. The slot's certificate certified the old key, so it goes in
    /// the same NVM transaction. There is no key import.
    func generate(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p1 == 0x00 else { throw .wrongP1P2 }
        let slot = try slot(command.p2)
        let fields: [TLV]
        do { fields = try TLV(parsing: command.data, tag: PIVWire.GenerateTag.template).children() }
        catch { throw .wrongData }
        guard fields.count == 1, let mechanism = fields.first(PIVWire.GenerateTag.mechanism), mechanism.value.count == 1,
              let algorithm = PIVAlgorithm(rawValue: mechanism.value[0]), let bits = algorithm.rsaBits
        else { throw .wrongData }
        try requireManagementKey()
        let generated: GeneratedKey
        do {
            generated = try platform.crypto.generateRSAKey(bits: bits)
        } catch {
            throw .noPreciseDiagnosis
        }
        let key = KeyRecord(algorithm: algorithm.rawValue, key: generated)
        try platform.memory.commitRecords([(PIVRecords.key(slot), key.bytes), (PIVRecords.certificate(slot), nil)])
        return key.publicKeyObject
    }

    /// GET DATA `00 CB 3F FF 5C len tag`: the discovery object as it is, every other object as
    /// `53 L {…}`; an object the card does not hold is 6A82. No PIN needed (certificates are public).
    func getData(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: PIVWire.dataObjectP1P2)
        let list: TLV
        do { list = try TLV(parsing: command.data, tag: PIVWire.DataTag.tagList) }
        catch { throw .wrongData }
        guard let object = PIVObject(tagBytes: list.value) else { throw .fileNotFound }
        switch object {
        case .discovery:
            return PIVDataObjects.discovery
        case .cardCapabilityContainer:
            return TLV(tag: PIVWire.DataTag.object, value: PIVDataObjects.cardCapabilityContainer(serial: serial)).bytes
        case .cardHolderUniqueIdentifier:
            return TLV(tag: PIVWire.DataTag.object, value: PIVDataObjects.cardHolderUniqueIdentifier(serial: serial)).bytes
        default:
            guard let slot = object.certificateSlot,
                  let stored = platform.memory.read(PIVRecords.certificate(slot)) else { throw .fileNotFound }
            return TLV(tag: PIVWire.DataTag.object, value: stored).bytes
        }
    }

    /// PUT DATA `00 DB 3F FF 5C 03 5FC1xx 53 L {70 DER, 71 info, FE LRC}`: needs the management
    /// key; only certificate objects are writable; `53 00` deletes the object.
    func putData(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        try expect(command, p1p2: PIVWire.dataObjectP1P2)
        guard let objects = try? TLV.sequence(parsing: command.data), objects.count == 2,
              objects[0].tag == PIVWire.DataTag.tagList, objects[1].tag == PIVWire.DataTag.object else { throw .wrongData }
        guard let object = PIVObject(tagBytes: objects[0].value) else { throw .wrongData }
        guard let slot = object.certificateSlot else { throw .functionNotSupported }
        let value = objects[1].value
        guard value.count <= PIVApplet.maxObjectSize else { throw .notEnoughMemory }
        if !value.isEmpty {
            guard PIVDataObjects.isCertificateContainer(value) else { throw .wrongData }
        }
        try requireManagementKey()
        try platform.memory.commitRecords([(PIVRecords.certificate(slot), value.isEmpty ? nil : value)])
        return []
    }
}
