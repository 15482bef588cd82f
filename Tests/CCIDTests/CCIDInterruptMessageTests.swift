import Testing
@testable import CCID

/// Interrupt-IN messages: NotifySlotChange bit pairs and HardwareError.
struct CCIDInterruptMessageTests {
    @Test("card inserted in slot 0: 50 03")
    func inserted() throws {
        var change = CCIDSlotChange(slotCount: 1)
        change.set(slot: 0, present: true, changed: true)
        #expect(CCIDInterruptMessage.notifySlotChange(change).bytes == [0x50, 0x03])
        guard case .notifySlotChange(let parsed) = try CCIDInterruptMessage(parsing: [0x50, 0x02]) else {
            Issue.record("not a slot change"); return
        }
        #expect(!parsed.isPresent(slot: 0))
        #expect(parsed.hasChanged(slot: 0))
    }

    @Test("bit pairs of several slots", arguments: [
        // (slot, present, changed) set on 6 slots → bytes
        ([(0, true, false), (1, false, true), (3, true, true), (5, true, true)], [UInt8(0xC9), 0x0C]),
        ([(2, true, false)], [0x10, 0x00]),
    ] as [([(Int, Bool, Bool)], [UInt8])])
    func bitPairs(_ settings: [(Int, Bool, Bool)], _ expected: [UInt8]) throws {
        var change = CCIDSlotChange(slotCount: 6)
        for (slot, present, changed) in settings { change.set(slot: slot, present: present, changed: changed) }
        #expect(change.bmSlotICCState == expected)
        let parsed = try CCIDInterruptMessage(parsing: CCIDInterruptMessage.notifySlotChange(change).bytes)
        #expect(parsed == .notifySlotChange(change))
        for slot in 0..<8 {
            let setting = settings.first { $0.0 == slot }
            #expect(change.isPresent(slot: slot) == (setting?.1 ?? false))
            #expect(change.hasChanged(slot: slot) == (setting?.2 ?? false))
        }
    }

    @Test("hardware error round trip")
    func hardwareError() throws {
        let message = CCIDInterruptMessage.hardwareError(bSlot: 0, bSeq: 9, bHardwareErrorCode: CCIDInterruptMessage.overcurrent)
        #expect(message.bytes == [0x51, 0x00, 0x09, 0x01])
        #expect(try CCIDInterruptMessage(parsing: message.bytes) == message)
    }

    @Test("bad interrupt transfers", arguments: [
        [UInt8](), [0x50], [0x51, 0, 1], [0x51, 0, 1, 1, 0], [0x52, 0x00], [0x80, 0x00],
        [0x50] + [UInt8](repeating: 0, count: 65),
    ])
    func bad(_ bytes: [UInt8]) {
        #expect(throws: CCIDError.badInterruptMessage(bMessageType: bytes.first ?? 0, count: bytes.count)) {
            try CCIDInterruptMessage(parsing: bytes)
        }
    }
}
