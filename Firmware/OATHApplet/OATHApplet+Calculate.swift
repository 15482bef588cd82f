import BankingProtocol
import CardOS
import ISO7816
import OATHProtocol

extension OATHApplet {
    /// CALCULATE `71 name, 74 challenge`, P2 01 truncated (`76 digits, 4 bytes`) or 00 full
    /// (`75 digits, HMAC`). TOTP MACs the host's challenge (ykman sends the 8-byte time step);
    /// HOTP MACs its own counter and stores the next one before answering. A touch credential
    /// waits for the holder's OK ("OTP for NAME? OK"); no OK in time answers 6982.
    func calculate(_ command: CommandAPDU) throws(StatusWord) -> AppletReply {
        guard command.p1 == 0, command.p2 <= OATHWire.truncateP2 else { throw .wrongP1P2 }
        let list = try fields(command.data)
        guard let name = list.first(OATHWire.Tag.name)?.value,
              let challenge = list.first(OATHWire.Tag.challenge)?.value, challenge.count <= 64 else { throw .wrongData }
        guard let found = find(name) else { throw .referenceDataNotUsable }
        let waiting = PendingCalculation(index: found.index, challenge: challenge, truncate: command.p2 == OATHWire.truncateP2)
        guard found.credential.requiresTouch else { return .data(try finishCalculation(waiting)) }
        pendingTouch = waiting
        return .confirm(OATHApplet.touchScreens(name: found.credential.name))
    }

    /// The code of a CALCULATE, after the holder's OK when the credential asks for one.
    func finishCalculation(_ waiting: PendingCalculation) throws(StatusWord) -> [UInt8] {
        guard let bytes = platform.memory.read(OATHRecords.credential(waiting.index)),
              var credential = OATHCredential(record: bytes) else { throw .referenceDataNotUsable }
        let mac = try code(for: &credential, challenge: waiting.challenge)
        return response(credential, mac: mac, truncate: waiting.truncate).bytes
    }

    /// CALCULATE ALL `74 challenge`, P2 01 truncated or 00 full: `71 name` then, per credential,
    /// the TOTP code, `77 digits` for HOTP (its counter moves only on CALCULATE) or
    /// `7C digits` for a touch credential (the host asks for it alone).
    func calculateAll(_ command: CommandAPDU) throws(StatusWord) -> [UInt8] {
        guard command.p1 == 0, command.p2 <= OATHWire.truncateP2 else { throw .wrongP1P2 }
        let list = try fields(command.data)
        guard let challenge = list.first(OATHWire.Tag.challenge)?.value, challenge.count <= 64 else { throw .wrongData }
        var answer: [UInt8] = []
        for entry in credentials {
            var credential = entry.credential
            answer += TLV(tag: OATHWire.Tag.name, value: credential.name).bytes
            if credential.kind == .hotp {
                answer += TLV(tag: OATHWire.Tag.hotp, value: [credential.digits]).bytes
            } else if credential.requiresTouch {
                answer += TLV(tag: OATHWire.Tag.touch, value: [credential.digits]).bytes
            } else {
                let mac = try code(for: &credential, challenge: challenge)
                answer += response(credential, mac: mac, truncate: command.p2 == OATHWire.truncateP2).bytes
            }
        }
        return answer
    }

    /// The credential's HMAC: over the challenge for TOTP, over the counter for HOTP (whose
    /// next value is committed first: a code is never answered twice, even across a power loss).
    func code(for credential: inout OATHCredential, challenge: [UInt8]) throws(StatusWord) -> [UInt8] {
        guard credential.kind == .hotp else { return try hmac(credential.hash, key: credential.key, data: challenge) }
        guard credential.counter < UInt64.max else { throw .conditionsNotSatisfied }
        var message: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: credential.counter >> UInt64(shift))) }
        let mac = try hmac(credential.hash, key: credential.key, data: message)
        credential.counter += 1
        guard let slot = find(credential.name)?.index else { throw .referenceDataNotUsable }
        try platform.memory.commitRecords([(OATHRecords.credential(slot), credential.record)])
        return mac
    }

    /// `76 digits, truncated value` (the 31-bit value of RFC 4226 §5.3) or `75 digits, HMAC`.
    func response(_ credential: OATHCredential, mac: [UInt8], truncate: Bool) -> TLV {
        guard truncate else { return TLV(tag: OATHWire.Tag.response, value: [credential.digits] + mac) }
        let value = OATHCode.truncate(mac)
        return TLV(tag: OATHWire.Tag.truncated, value: [credential.digits, UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                                                        UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// "OTP for", the name as value lines (the display rules of the transfer screens: every
    /// scalar the screen may not show becomes `?`), "? OK".
    static func touchScreens(name: [UInt8]) -> [Screen] {
        DisplayLayout.pages([["OTP for"] + ValueLines.wrap(displayName(name)) + ["? OK"]])
    }

    /// The name as the screen shows it: UTF-8 decoded, disallowed scalars as `?`.
    static func displayName(_ name: [UInt8]) -> String {
        var text = ""
        for scalar in String(decoding: name, as: UTF8.self).unicodeScalars {
            if ScalarClass(scalar).isAllowed { text.unicodeScalars.append(scalar) } else { text += "?" }
        }
        return text
    }
}
