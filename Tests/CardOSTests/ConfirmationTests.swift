import CardOS
import HostPlatform
import ISO7816
import Testing

@Suite("Card OS: waiting for the holder")
struct ConfirmationTests {
    func waitingCard(pages: Int) -> ProbeCard {
        let probe = ProbeCard()
        probe.send("00A4040C 06 A00000000101")
        #expect(probe.send("0003" + hexByte(UInt8(pages)) + "00") == "waiting")
        return probe
    }

    @Test("OK moves through the pages; only OK on the last page approves")
    func paging() throws {
        let probe = waitingCard(pages: 3)
        #expect(probe.card.screen?.page == 0)
        #expect(probe.card.press(.ok) == nil)
        #expect(probe.card.press(.ok) == nil)
        #expect(probe.card.screen?.page == 2)
        #expect(probe.first.decisions.isEmpty, "no decision before the last page's OK")
        #expect(probe.card.press(.ok) == [0xAA, 0x90, 0x00])
        #expect(probe.first.decisions == [.approved])
        #expect(!probe.card.isWaiting)
        let shown = probe.platform.presence.shownScreens.map(\.page)
        #expect(shown == [0, 1, 2])
    }

    @Test("Cancel on any page denies")
    func cancel() {
        let probe = waitingCard(pages: 3)
        #expect(probe.card.press(.ok) == nil)
        #expect(probe.card.press(.cancel) == [0x69, 0x85])
        #expect(probe.first.decisions == [.denied])
        #expect(probe.platform.presence.events.contains(.denied))
    }

    @Test("the timeout ends the command with 6401")
    func timeout() {
        let probe = waitingCard(pages: 1)
        probe.platform.clock.advance(by: probe.platform.presence.confirmationTimeout - 1)
        #expect(probe.card.poll() == nil)
        probe.platform.clock.advance(by: 1)
        #expect(probe.card.poll() == [0x64, 0x01])
        #expect(probe.first.decisions == [.timedOut])
    }

    @Test("a busy card refuses a second command and keeps the first open")
    func busy() {
        let probe = waitingCard(pages: 1)
        #expect(probe.send("00010000 01 01") == "6985")
        #expect(probe.card.isWaiting)
        #expect(probe.card.press(.ok) == [0xAA, 0x90, 0x00])
    }

    @Test("abort and reset end the command without an answer")
    func abortAndReset() {
        let probe = waitingCard(pages: 2)
        probe.card.abort()
        #expect(!probe.card.isWaiting)
        #expect(probe.first.decisions == [.aborted])
        #expect(probe.send("0003 0100") == "waiting")
        probe.card.reset()
        #expect(!probe.card.isWaiting)
        #expect(probe.first.decisions == [.aborted, .aborted])
        #expect(probe.card.press(.ok) == nil, "nothing is open after reset")
    }
}
