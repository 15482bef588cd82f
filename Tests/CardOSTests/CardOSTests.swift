import CardOS
import ISO7816
import Testing

@Suite("Card OS: selection, CLA, chaining, GET RESPONSE")
struct CardOSDispatchTests {
    @Test("after power-up no applet is selected: everything but SELECT is 6D00")
    func nothingSelected() {
        let probe = ProbeCard()
        #expect(probe.send("00010000 02 1122") == "6D00")
        #expect(probe.send("80010000") == "6D00")
    }

    @Test("SELECT by full or right-truncated AID; FCI unless P2 = 0C")
    func selectByAID() {
        let probe = ProbeCard()
        #expect(probe.send("00A40400 06 A00000000101") == "6F0284009000")
        #expect(probe.send("00A4040C 05 A000000002") == "9000")
        #expect(probe.second.selections == 1)
        #expect(probe.send("00010000 01 55") == "559000", "the second applet now answers")
        #expect(probe.second.received.count == 1)
    }

    @Test("SELECT errors leave the selection unchanged", arguments: [
        ("00A40400 06 A00000000999", "6A82"), // unknown AID
        ("00A40400", "6700"),                  // no data
        ("00A40000 02 3F00", "6A86"),          // select by file id
        ("00A40402 06 A00000000101", "6A86"),  // next occurrence
    ])
    func selectErrors(command: String, status: String) {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send(command) == status)
        #expect(probe.send("00010000 01 77") == "779000", "the first applet is still selected")
    }

    @Test("a failing applet SELECT keeps the previous selection")
    func failingSelect() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        probe.second.refuseSelect = true
        #expect(probe.send("00A4040C 07 A00000000201 02") == "6985")
        #expect(probe.send("00010000 01 01") == "019000")
        #expect(probe.first.received.count == 1)
    }

    @Test("CLA: 00 and 80 with or without the chaining bit reach the applet; others are 6E00",
          arguments: [0x01, 0x04, 0x0C, 0x40, 0x84, 0xA0, 0xFF] as [UInt8])
    func wrongClass(cla: UInt8) {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send(hexByte(cla) + "010000 01 01") == "6E00")
        #expect(probe.first.received.isEmpty)
    }

    @Test("malformed APDUs are 6700 and do not disturb the card")
    func malformed() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        for bad in ["", "00", "000100", "00010000 05 01", "00010000 00 00", "00010000 01 0102 03"] {
            #expect(probe.send(bad) == "6700", "\(bad)")
        }
        #expect(probe.send("00010000 01 42") == "429000")
    }

    @Test("chained parts are joined before the applet sees the command")
    func chaining() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send("10010000 02 0102") == "9000")
        #expect(probe.send("10010000 02 0304") == "9000")
        #expect(probe.send("00010000 01 05") == "01020304059000")
        #expect(probe.first.received.count == 1, "the applet saw one command")
        #expect(probe.first.received[0].cla == 0x00, "the chaining bit is cleared")
    }

    @Test("a chain interrupted by another command is dropped")
    func interruptedChain() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send("10010000 02 0102") == "9000")
        #expect(probe.send("00010001 01 09") == "099000", "a different P2 does not continue the chain")
        #expect(probe.send("00010000 01 05") == "059000", "the dropped parts never reappear")
    }

    @Test("a chain beyond the card's buffer is 6A84 and dropped")
    func chainOverflow() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        let part = "10010000 FF" + String(repeating: "AB", count: 255)
        var answer = ""
        for _ in 0..<40 {
            answer = probe.send(part)
            if answer != "9000" { break }
        }
        #expect(answer == "6A84")
        #expect(probe.send("00010000 01 05") == "059000")
    }

    @Test("a response longer than Ne comes in parts: 61xx and GET RESPONSE")
    func getResponse() throws {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        let expected = (0..<600).map { UInt8($0 & 0xFF) }
        var first = try #require([UInt8](hex: probe.send("00020600 00")))
        #expect(first.suffix(2) == [0x61, 0x00], "more than 256 bytes remain")
        var collected = Array(first.dropLast(2))
        #expect(collected.count == 256)
        first = try #require([UInt8](hex: probe.send("00C00000 00")))
        #expect(first.suffix(2) == [0x61, 88])
        collected += first.dropLast(2)
        let last = try #require([UInt8](hex: probe.send("00C00000 58")))
        #expect(last.suffix(2) == [0x90, 0x00])
        collected += last.dropLast(2)
        #expect(collected == expected)
        #expect(probe.send("00C00000 00") == "6985", "nothing left to get")
    }

    @Test("short Le smaller than the response: Ne bytes then 61xx; no Le means Ne = 256")
    func shortLe() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        let answer = probe.send("00010000 0A 00112233445566778899 08")
        #expect(answer == "0011223344556677" + "6102")
        #expect(probe.send("00C00000 02") == "88999000")
        #expect(probe.send("00020100").hasSuffix("9000"), "100 bytes fit the implicit Ne of 256")
    }

    @Test("extended Le returns the whole response at once")
    func extendedLe() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        let answer = probe.send("00020600 000000")
        #expect(answer.count == 2 * 602 && answer.hasSuffix("9000"))
    }

    @Test("any other command discards unfetched response data")
    func discardPending() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send("00020300 00").hasSuffix("612C"))
        #expect(probe.send("00010000 01 01") == "019000")
        #expect(probe.send("00C00000 00") == "6985")
    }

    @Test("reset forgets the selection and every applet's security state")
    func resetClearsState() {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        probe.card.reset()
        #expect(probe.first.resets == 1 && probe.second.resets == 1)
        #expect(probe.send("00010000 01 01") == "6D00")
    }
}
