import CardOS
import HostPlatform
import ISO7816
import Testing

@Suite("PIN objects")
struct PINObjectTests {
    let pin = PINObject(record: 0x0042)
    let reference: [UInt8] = Array("123456".utf8)

    func memory(tries: UInt8 = 3) throws -> MemoryNVM {
        let memory = MemoryNVM()
        var record = PINRecord(value: reference, maxTries: 3, mustChange: false)
        record.triesLeft = tries
        try memory.commit([(0x0042, record.bytes)])
        return memory
    }

    @Test("wrong tries count down 63C2, 63C1, then 6983; a blocked PIN stays blocked")
    func countdown() throws {
        let memory = try memory()
        let wrong: [UInt8] = Array("654321".utf8)
        #expect(throws: StatusWord.verificationFailed(triesLeft: 2)) { try pin.verify(wrong, in: memory) }
        #expect(throws: StatusWord.verificationFailed(triesLeft: 1)) { try pin.verify(wrong, in: memory) }
        #expect(throws: StatusWord.authenticationMethodBlocked) { try pin.verify(wrong, in: memory) }
        #expect(throws: StatusWord.authenticationMethodBlocked) { try pin.verify(reference, in: memory) }
        #expect(pin.triesLeft(in: memory) == 0)
    }

    @Test("a correct PIN restores the tries")
    func restore() throws {
        let memory = try memory(tries: 1)
        try pin.verify(reference, in: memory)
        #expect(pin.triesLeft(in: memory) == 3)
    }

    @Test("the try is committed before the compare: cutting power then keeps it spent")
    func committedBeforeCompare() throws {
        let memory = try memory()
        memory.cutPower(atWrite: 2)      // write + commit of the decrement happen; the reset does not
        #expect(throws: StatusWord.memoryFailure) { try pin.verify(reference, in: memory) }
        #expect(pin.triesLeft(in: memory.powerUp()) == 2, "even a correct PIN's try stays spent")
    }

    @Test("PIN values compare in full: prefixes, longer values and padding bytes never match",
          arguments: ["12345", "1234567", "123456\u{FF}", "", "123457"])
    func mismatches(candidate: String) {
        let record = PINRecord(value: reference, maxTries: 3, mustChange: false)
        var bytes = Array(candidate.utf8)
        if candidate.hasSuffix("\u{FF}") { bytes = Array("123456".utf8) + [0xFF] }
        #expect(!record.matches(bytes))
        #expect(record.matches(reference))
    }

    @Test("the record round-trips and has a fixed size")
    func recordFormat() throws {
        let short = PINRecord(value: Array("123456".utf8), maxTries: 3, mustChange: true)
        let long = PINRecord(value: Array("1234567890123456".utf8), maxTries: 5, mustChange: false)
        #expect(short.bytes.count == long.bytes.count)
        #expect(PINRecord(bytes: short.bytes) == short)
        #expect(PINRecord(bytes: long.bytes) == long)
        #expect(PINRecord(bytes: Array(short.bytes.dropLast())) == nil)
    }
}
