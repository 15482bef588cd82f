import CardOS
import HostPlatform
import ISO7816
import OATHApplet
import OATHProtocol
import Testing

/// Every YKOATH instruction and its status words, as ykman and YubiKeys use them.
@Suite struct InstructionTests {
    static let key = Array("12345678901234567890".utf8)

    @Test func selectAnswersVersionAndSalt() {
        let token = OATHHarness()
        let tlvs = token.select()
        #expect(tlvs.map(\.tag) == [0x79, 0x71])
        #expect(tlvs[0].value == [5, 7, 0])
        #expect(tlvs[1].value.count == 8)
        // The salt is stable across power cycles (ykman's device id).
        token.powerCycle()
        #expect(token.select()[1].value == tlvs[1].value)
    }

    @Test func listNamesTypesNeverKeys() {
        let token = OATHHarness()
        token.select()
        #expect(token.exchange(0xA1).data.isEmpty)
        token.put("Example:alice", key: InstructionTests.key)
        token.put("60/long", algorithm: .sha256, key: InstructionTests.key)
        token.put("counter", kind: .hotp, algorithm: .sha512, key: InstructionTests.key)
        let response = token.exchange(0xA1)
        #expect(response.statusWord == .success)
        let expected = TLV(tag: 0x72, value: [0x21] + Array("Example:alice".utf8)).bytes
            + TLV(tag: 0x72, value: [0x22] + Array("60/long".utf8)).bytes + TLV(tag: 0x72, value: [0x13] + Array("counter".utf8)).bytes
        #expect(response.data == expected)
    }

    @Test func putReplacesSameNameAndSurvivesPowerLoss() {
        let token = OATHHarness()
        token.select()
        token.put("a", kind: .hotp, key: InstructionTests.key)
        token.put("a", kind: .hotp, key: InstructionTests.key, counter: 9)
        token.powerCycle()
        token.select()
        #expect(token.exchange(0xA1).data == TLV(tag: 0x72, value: [0x11, 0x61]).bytes)
        #expect(token.code("a", challenge: []).0 == "520489")
    }

    @Test func hotpCounterIsCommittedBeforeTheCode() {
        let token = OATHHarness()
        token.select()
        token.put("h", kind: .hotp, key: InstructionTests.key)
        #expect(token.code("h", challenge: []).0 == "755224")
        token.powerCycle()
        token.select()
        #expect(token.code("h", challenge: []).0 == "287082")
    }

    static let name: [UInt8] = TLV(tag: 0x71, value: [0x61]).bytes
    static let goodKey: [UInt8] = TLV(tag: 0x73, value: [0x21, 6] + key).bytes
    static func keyField(_ type: UInt8, _ digits: UInt8, _ key: [UInt8] = key) -> [UInt8] { TLV(tag: 0x73, value: [type, digits] + key).bytes }

    static let badPuts: [(String, [UInt8])] = [
        ("no name", goodKey),
        ("no key", name),
        ("bad type", name + keyField(0x31, 6)),
        ("bad algorithm", name + keyField(0x24, 6)),
        ("5 digits", name + keyField(0x21, 5)),
        ("9 digits", name + keyField(0x21, 9)),
        ("empty key", name + keyField(0x21, 6, [])),
        ("long name", TLV(tag: 0x71, value: [UInt8](repeating: 0x61, count: 65)).bytes + goodKey),
        ("truncated TLV", [0x71, 0x05, 0x61]),
        ("property without value", name + goodKey + [0x78]),
        ("unknown tag", name + goodKey + [0x7E, 0x00]),
    ]

    @Test(arguments: badPuts)
    func putRefusesBadInput(_ label: String, _ data: [UInt8]) {
        let token = OATHHarness()
        token.select()
        #expect(token.exchange(0x01, data).statusWord == .wrongData, "\(label)")
        #expect(token.exchange(0xA1).data.isEmpty)
    }

    @Test func putWhenFullIs6A84() {
        let token = OATHHarness()
        token.select()
        #expect(OATHRecords.capacity == 64)
        for index in 0..<OATHRecords.capacity { #expect(token.put("c\(index)", key: InstructionTests.key) == .success) }
        #expect(token.put("one more", key: InstructionTests.key) == .notEnoughMemory)
        // Replacing one still works.
        #expect(token.put("c5", key: InstructionTests.key) == .success)
    }

    @Test func deleteAndRename() {
        let token = OATHHarness()
        token.select()
        token.put("a", key: InstructionTests.key)
        token.put("b", key: InstructionTests.key)
        let name = { (text: String) in TLV(tag: 0x71, value: Array(text.utf8)).bytes }
        #expect(token.exchange(0x05, name("a") + name("b")).statusWord == .wrongData)
        #expect(token.exchange(0x05, name("x") + name("y")).statusWord == .referenceDataNotUsable)
        #expect(token.exchange(0x05, name("a") + name("c")).statusWord == .success)
        #expect(token.exchange(0x02, name("a")).statusWord == .referenceDataNotUsable)
        #expect(token.exchange(0x02, name("c")).statusWord == .success)
        #expect(token.exchange(0x02, [0x71]).statusWord == .wrongData)
        #expect(token.exchange(0xA1).data == TLV(tag: 0x72, value: [0x21, 0x62]).bytes)
    }

    @Test func calculateErrors() {
        let token = OATHHarness()
        token.select()
        token.put("a", key: InstructionTests.key)
        #expect(token.code("missing", challenge: [1]).1 == .referenceDataNotUsable)
        #expect(token.exchange(0xA2, p2: 0x01, TLV(tag: 0x71, value: [0x61]).bytes).statusWord == .wrongData)
        #expect(token.exchange(0xA2, p2: 0x02, TLV(tag: 0x71, value: [0x61]).bytes + TLV(tag: 0x74, value: [1]).bytes).statusWord == .wrongP1P2)
        #expect(token.exchange(0xA4, p2: 0x01, []).statusWord == .wrongData)
        #expect(token.exchange(0x7F).statusWord == .insNotSupported)
        #expect(token.send([0x80, 0xA1, 0x00, 0x00]).statusWord == .claNotSupported)
    }

    /// 40 credentials with long names answer more than 256 bytes: 61xx, then SEND REMAINING (A5).
    @Test func sendRemainingContinuesLongAnswers() {
        let token = OATHHarness()
        token.select()
        for index in 0..<40 { token.put("issuer-with-a-long-name:account\(index)", key: InstructionTests.key) }
        let first = token.send(token.command(0xA4, p2: 0x01, TLV(tag: 0x74, value: OATHHarness.bigEndian(1)).bytes))
        #expect(first.statusWord.sw1 == 0x61)
        #expect(first.data.count == 256)
        let all = token.exchange(0xA4, p2: 0x01, TLV(tag: 0x74, value: OATHHarness.bigEndian(1)).bytes)
        #expect(all.statusWord == .success)
        #expect((try? TLV.sequence(parsing: all.data))?.count == 80)
        // Without a pending answer, A5 is 6985.
        #expect(token.send([0x00, 0xA5, 0x00, 0x00]).statusWord == .conditionsNotSatisfied)
    }

    @Test func resetNeedsDEADAndForgetsEverything() {
        let token = OATHHarness()
        let salt = token.select()[1].value
        token.put("a", key: InstructionTests.key)
        #expect(token.exchange(0x04).statusWord == .wrongP1P2)
        #expect(token.exchange(0x04, p1: 0xDE, p2: 0xAD).statusWord == .success)
        let after = token.select()
        #expect(after[1].value != salt)
        #expect(token.exchange(0xA1).data.isEmpty)
    }
}
