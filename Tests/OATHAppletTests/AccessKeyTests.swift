import CardOS
import HostPlatform
import ISO7816
import OATHProtocol
import Testing

/// The access key: SET CODE, the SELECT challenge, VALIDATE's mutual proof, and the gate on
/// every instruction but VALIDATE and RESET.
@Suite struct AccessKeyTests {
    static let accessKey = [UInt8](repeating: 0x42, count: 16)

    /// SET CODE as ykman sends it: `73 21 key, 74 challenge, 75 HMAC-SHA1(key, challenge)`.
    static func setCode(_ token: OATHHarness, key: [UInt8] = accessKey, response: [UInt8]? = nil) -> StatusWord {
        let challenge: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let proof = response ?? OATHHarness.hmacSHA1(key, challenge)
        return token.exchange(0x03, TLV(tag: 0x73, value: [0x21] + key).bytes + TLV(tag: 0x74, value: challenge).bytes
                              + TLV(tag: 0x75, value: proof).bytes).statusWord
    }

    static func validate(_ token: OATHHarness, challenge: [UInt8], key: [UInt8] = accessKey) -> ResponseAPDU {
        let hostChallenge: [UInt8] = [9, 9, 9, 9, 8, 8, 8, 8]
        return token.exchange(0xA3, TLV(tag: 0x75, value: OATHHarness.hmacSHA1(key, challenge)).bytes
                              + TLV(tag: 0x74, value: hostChallenge).bytes)
    }

    @Test func lockedTokenAsksForValidate() {
        let token = OATHHarness()
        token.select()
        token.put("a", key: InstructionTests.key)
        #expect(AccessKeyTests.setCode(token, response: [UInt8](repeating: 0, count: 20)) == .referenceDataNotUsable)
        #expect(AccessKeyTests.setCode(token) == .success)
        let tlvs = token.select()
        #expect(tlvs.map(\.tag) == [0x79, 0x71, 0x74, 0x7B])
        #expect(tlvs[3].value == [0x01])
        for ins: UInt8 in [0x01, 0x02, 0x03, 0x05, 0xA1, 0xA2, 0xA4] {
            #expect(token.exchange(ins).statusWord == .securityStatusNotSatisfied, "INS \(ins)")
        }
        // A wrong proof is 6984 and uses up the challenge.
        #expect(AccessKeyTests.validate(token, challenge: tlvs[2].value, key: [UInt8](repeating: 1, count: 16)).statusWord
                == .referenceDataNotUsable)
        #expect(AccessKeyTests.validate(token, challenge: tlvs[2].value).statusWord == .referenceDataNotUsable)
        // A fresh SELECT, the right proof: the card proves the key back and the gate opens.
        let challenge = token.select()[2].value
        let response = AccessKeyTests.validate(token, challenge: challenge)
        #expect(response.statusWord == .success)
        #expect(response.data == TLV(tag: 0x75, value: OATHHarness.hmacSHA1(AccessKeyTests.accessKey, [9, 9, 9, 9, 8, 8, 8, 8])).bytes)
        #expect(token.exchange(0xA1).statusWord == .success)
        // SELECT again locks again.
        token.select()
        #expect(token.exchange(0xA1).statusWord == .securityStatusNotSatisfied)
    }

    @Test func removeKeyAndResetWithoutKey() {
        let token = OATHHarness()
        token.select()
        #expect(AccessKeyTests.setCode(token) == .success)
        let challenge = token.select()[2].value
        #expect(AccessKeyTests.validate(token, challenge: challenge).statusWord == .success)
        #expect(token.exchange(0x03, [0x73, 0x00]).statusWord == .success)
        #expect(token.select().map(\.tag) == [0x79, 0x71])
        #expect(AccessKeyTests.setCode(token) == .success)
        token.select()
        // RESET works without the key, and removes it.
        #expect(token.exchange(0x04, p1: 0xDE, p2: 0xAD).statusWord == .success)
        #expect(token.select().map(\.tag) == [0x79, 0x71])
        #expect(AccessKeyTests.validate(token, challenge: [0]).statusWord == .referenceDataNotUsable)
    }
}
