import CardOS
import ISO7816

extension BankingApplet {
    /// VERIFY `00 20 00 81 [PIN]`: empty data asks the state (9000 if verified, else 63Cx).
    func verifyPIN(_ data: [UInt8]) throws(StatusWord) -> [UInt8] {
        if data.isEmpty {
            let tries = pin.triesLeft(in: platform.memory)
            guard tries > 0 else { throw .authenticationMethodBlocked }
            guard pinVerified else { throw .verificationFailed(triesLeft: tries) }
            return []
        }
        guard BankingApplet.isValidPIN(data) else { throw .wrongData }
        try checkPIN { () throws(StatusWord) in try pin.verify(data, in: platform.memory) }
        return []
    }

    /// CHANGE PIN `00 24 00 81 len(old) old len(new) new`, or in the keypad form `00 24 10 81`
    /// with two BCD blocks (the pair given here already split). A new PIN equal to the old one
    /// (so the factory PIN cannot be kept) is refused with 6900 before the check: no try is used.
    func changePIN(_ pair: ([UInt8], [UInt8])?) throws(StatusWord) -> [UInt8] {
        guard let (old, new) = pair,
              BankingApplet.isValidPIN(old), BankingApplet.isValidPIN(new) else { throw .wrongData }
        // Both values are the host's own: comparing them reveals nothing of the stored PIN.
        guard !PINRecord(value: old, maxTries: 1, mustChange: false).matches(new) else { throw .commandNotAllowed }
        try checkPIN { () throws(StatusWord) in
            try pin.verify(old, in: platform.memory) { record in
                record.value = new
                record.mustChange = false
            }
        }
        return []
    }

    /// UNBLOCK PIN `00 2C 00 81 len(PUK) PUK len(new) new`: the PUK has its own counter; a
    /// correct PUK sets the new PIN with full tries, clears must-change and leaves the PIN verified.
    /// A new PIN equal to the current (blocked) one is refused with 6900 once the PUK is correct
    /// (the PUK's tries go back to the maximum, as for any correct PUK; the PIN is unchanged).
    /// The keypad form `00 2C 10 81` carries PUK and new PIN as two BCD blocks.
    func unblockPIN(_ pair: ([UInt8], [UInt8])?) throws(StatusWord) -> [UInt8] {
        guard let (unblockingKey, new) = pair,
              BankingApplet.isValidPUK(unblockingKey), BankingApplet.isValidPIN(new),
              let current = pin.read(from: platform.memory) else { throw .wrongData }
        // Constant-time, and its result shows only after a correct PUK: no oracle on the stored PIN.
        let sameAsCurrent = current.matches(new)
        let replacement = PINRecord(value: new, maxTries: current.maxTries, mustChange: false)
        let pinWrite: [(RecordID, [UInt8]?)] = sameAsCurrent ? [] : [(BankingRecords.pin, replacement.bytes)]
        // When the PUK's last try is gone, the PIN can never be unblocked again.
        try puk.reportingBlock(in: platform.memory, presence: platform.presence) { () throws(StatusWord) in
            try puk.verify(unblockingKey, in: platform.memory, alsoWriting: pinWrite)
        }
        guard !sameAsCurrent else { throw .commandNotAllowed }
        pinVerified = true
        return []
    }

    /// Runs a PIN check: success verifies the PIN; failure clears the verified state and
    /// reports a PIN that just became blocked.
    private func checkPIN(_ check: () throws(StatusWord) -> Void) throws(StatusWord) {
        do {
            try pin.reportingBlock(in: platform.memory, presence: platform.presence, check)
            pinVerified = true
        } catch {
            pinVerified = false
            throw error
        }
    }

    /// `len(a) a len(b) b`, filling the data exactly.
    static func splitPair(_ data: [UInt8]) -> ([UInt8], [UInt8])? {
        guard let firstLength = data.first.map(Int.init), data.count > firstLength + 1 else { return nil }
        let secondLength = Int(data[firstLength + 1])
        guard data.count == firstLength + secondLength + 2 else { return nil }
        return (Array(data[1..<1 + firstLength]), Array(data[(firstLength + 2)...]))
    }
}
