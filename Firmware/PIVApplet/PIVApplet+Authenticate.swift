import CardOS
import ISO7816
import PIVProtocol

extension PIVApplet {
    /// GENERAL AUTHENTICATE `00 87 algorithm key 7C{…}` (SP 800-73-4 part 2, §3.2.4):
    /// - key 9A/9C/9D/9E, algorithm 06/07: `7C{82 00, 81 block}` → `7C{82 block^d mod n}`, the raw
    ///   private-key operation (the host did the padding);
    /// - key 9B, algorithm 03 (or 00): the management key's 3DES challenge-response.
    func generalAuthenticate(_ command: CommandAPDU, pending: PendingAuthentication?) throws(StatusWord) -> [UInt8] {
        let template = try PIVApplet.dynamicTemplate(command.data)
        if command.p2 == PIVWire.KeyReference.managementKey {
            guard command.p1 == 0x00 || command.p1 == PIVAlgorithm.tripleDES.rawValue else { throw .wrongP1P2 }
            return try authenticateManagementKey(template, pending: pending)
        }
        let slot = try slot(command.p2)
        guard let algorithm = PIVAlgorithm(rawValue: command.p1), algorithm.rsaBits != nil else { throw .wrongP1P2 }
        guard template.count == 2, let response = template.first(PIVWire.AuthenticationTag.response), response.value.isEmpty,
              let challenge = template.first(PIVWire.AuthenticationTag.challenge) else { throw .wrongData }
        try requirePIN(for: slot)
        guard let key = storedKey(slot) else { throw .referencedDataNotFound }
        guard key.algorithm == algorithm.rawValue else { throw .wrongP1P2 }
        let result: [UInt8]
        do {
            result = try platform.crypto.rawRSA(key: key.blob, input: challenge.value)
        } catch {
            throw error == .invalidInput ? .wrongData : .noPreciseDiagnosis
        }
        return TLV(tag: PIVWire.AuthenticationTag.template, children: [TLV(tag: PIVWire.AuthenticationTag.response, value: result)]).bytes
    }

    /// The 9B steps, each answered in a `7C` template:
    /// - `{80 00}` mutual, step 1: the card draws a witness and answers `{80 E(witness)}`;
    /// - `{80 witness, 81 challenge}` mutual, step 2: right after step 1, with the decrypted
    ///   witness; the card answers `{82 E(challenge)}` and the key is proven;
    /// - `{81 00}`: the card answers `{81 challenge}` (also a plain random source for OpenSC);
    /// - `{82 E(challenge)}` external, step 2: right after `{81 00}`; the key is proven, no data.
    /// A wrong answer is 6982 and the open step is gone (a new one needs a new witness).
    private func authenticateManagementKey(_ template: [TLV], pending: PendingAuthentication?) throws(StatusWord) -> [UInt8] {
        guard let key = platform.memory.read(PIVRecords.managementKey), key.count == 24 else {
            throw .referenceDataNotUsable
        }
        let witness = template.first(PIVWire.AuthenticationTag.witness)
        let challenge = template.first(PIVWire.AuthenticationTag.challenge)
        let response = template.first(PIVWire.AuthenticationTag.response)
        switch (witness?.value.count, challenge?.value.count, response?.value.count, template.count) {
        case (0, nil, nil, 1):
            let drawn = try random(8)
            pendingAuthentication = PendingAuthentication(kind: .witness, value: drawn)
            return TLV(tag: PIVWire.AuthenticationTag.template, children: [TLV(tag: PIVWire.AuthenticationTag.witness, value: try encrypt(drawn, key))]).bytes
        case (8, 8, nil, 2):
            guard let pending, pending.kind == .witness, PIVApplet.equal(pending.value, witness!.value) else {
                managementKeyAuthenticated = false
                throw .securityStatusNotSatisfied
            }
            let answer = try encrypt(challenge!.value, key)
            managementKeyAuthenticated = true
            return TLV(tag: PIVWire.AuthenticationTag.template, children: [TLV(tag: PIVWire.AuthenticationTag.response, value: answer)]).bytes
        case (nil, 0, nil, 1):
            let drawn = try random(8)
            pendingAuthentication = PendingAuthentication(kind: .challenge, value: drawn)
            return TLV(tag: PIVWire.AuthenticationTag.template, children: [TLV(tag: PIVWire.AuthenticationTag.challenge, value: drawn)]).bytes
        case (nil, nil, 8, 1):
            guard let pending, pending.kind == .challenge,
                  PIVApplet.equal(try encrypt(pending.value, key), response!.value) else {
                managementKeyAuthenticated = false
                throw .securityStatusNotSatisfied
            }
            managementKeyAuthenticated = true
            return []
        default:
            throw .wrongData
        }
    }

    /// The objects inside `7C L {…}`, which must fill the command data exactly; no tag twice.
    static func dynamicTemplate(_ data: [UInt8]) throws(StatusWord) -> [TLV] {
        let inner: [TLV]
        do { inner = try TLV(parsing: data, tag: PIVWire.AuthenticationTag.template).children() }
        catch { throw .wrongData }
        for (index, object) in inner.enumerated() where inner[..<index].contains(where: { $0.tag == object.tag }) {
            throw .wrongData
        }
        return inner
    }

    private func encrypt(_ block: [UInt8], _ key: [UInt8]) throws(StatusWord) -> [UInt8] {
        do {
            return try platform.crypto.tripleDESEncrypt(key: key, block: block)
        } catch {
            throw .noPreciseDiagnosis
        }
    }

    private func random(_ count: Int) throws(StatusWord) -> [UInt8] {
        do {
            return try platform.crypto.randomBytes(count)
        } catch {
            throw .noPreciseDiagnosis
        }
    }

    /// Compares in time that does not depend on where the values differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
