import Foundation
import HostPlatform
import ISO7816
import Testing
import UKeyEmulator

/// ``InProcessVPCDCard`` behind a real ``VPCDLink``: the banking applet over the vpcd protocol,
/// and the three confirmation policies.
@Suite(.serialized) struct VPCDInProcessCardTests {
    /// SELECT, CHANGE PIN (factory → new), GENERATE the RSA-1024 transfer key (01): a token ready
    /// to confirm. A new transfer key waits for the holder's OK like a transfer: `card` gives it at
    /// once under ``InProcessVPCDCard/Confirmation/approve``; under `external` the test presses OK
    /// through every page of the key's screen.
    private func personalize(_ vpcd: VPCDFakeServer.Connection, _ card: InProcessVPCDCard<MemoryNVM>) throws {
        #expect(try vpcd.exchange([0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]).suffix(2) == [0x90, 0x00])
        let old = Array(VPCDTestToken.factoryPIN.utf8), new = Array(VPCDTestToken.newPIN.utf8)
        let body = [UInt8(old.count)] + old + [UInt8(new.count)] + new
        #expect(try vpcd.exchange([0x00, 0x24, 0x00, 0x81, UInt8(body.count)] + body) == [0x90, 0x00])
        try vpcd.sendFrame([0x00, 0x47, 0x80, 0x01, 0x03, 0x80, 0x01, 0x01, 0x00])
        if card.confirmation == .external {
            try pressOK(card, what: "the new transfer key")
        }
        let key = try #require(try vpcd.readFrame(), "GENERATE 01 answered")
        #expect(key.prefix(2) == [0x7F, 0x49] && key.suffix(2) == [0x90, 0x00])
    }

    /// Waits (a 60 s guard: a loaded machine is slow) until `card` shows a confirmation, then presses OK until it is decided;
    /// returns how many presses that took.
    @discardableResult
    private func pressOK(_ card: InProcessVPCDCard<MemoryNVM>, what: String) throws -> Int {
        let deadline = Date().addingTimeInterval(60)
        while !card.isWaiting && Date() < deadline { usleep(5_000) }
        try #require(card.isWaiting && card.screen != nil, "\(what) is on the screen")
        var presses = 0
        while card.isWaiting && presses < 20 {
            card.press(.ok)
            presses += 1
        }
        return presses
    }

    /// A vpcd link to `card` on a new fake vpcd, powered on.
    private func connect(_ card: InProcessVPCDCard<MemoryNVM>) throws -> (VPCDFakeServer, VPCDLink, VPCDFakeServer.Connection) {
        let server = try VPCDFakeServer()
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: VPCDLinkTests.quick)
        link.start()
        let vpcd = try server.accept()
        try vpcd.sendFrame([VPCDControl.powerOn.rawValue])
        #expect(try vpcd.exchange([VPCDControl.getATR.rawValue]) == card.atr)
        return (server, link, vpcd)
    }

    private var confirmTransfer: [UInt8] {
        let body = TLV(tag: 0x70, children: [
            TLV(tag: 0x80, value: Array("DE44500105175407324931".utf8)),
            TLV(tag: 0x81, value: Array("Alice".utf8)),
            TLV(tag: 0x82, value: Array("12.50".utf8)),
            TLV(tag: 0x83, value: Array("EUR".utf8)),
            TLV(tag: 0x85, value: [UInt8](repeating: 0x42, count: 16)),
        ]).bytes
        return [0x80, 0xC0, 0x00, 0x00, UInt8(body.count)] + body + [0x00]
    }

    @Test("approve and deny policies answer CONFIRM TRANSFER at once", arguments: [true, false])
    func immediatePolicies(approve: Bool) throws {
        // The deny policy cancels the transfer key's generation as it cancels a transfer, so a
        // token under it never gets a transfer key to confirm with: personalize under approve,
        // then serve the same memory from a card with the policy under test.
        let personalized = try VPCDTestToken.card(confirmation: .approve)
        do {
            let (_, link, vpcd) = try connect(personalized)
            defer { link.stop() }
            try personalize(vpcd, personalized)
        }
        let card = InProcessVPCDCard(memory: personalized.platform.memory, confirmation: approve ? .approve : .deny)
        let (_, link, vpcd) = try connect(card)
        defer { link.stop() }
        #expect(try vpcd.exchange([0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]) == [0x90, 0x00])
        let pin = Array(VPCDTestToken.newPIN.utf8)
        #expect(try vpcd.exchange([0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin) == [0x90, 0x00], "the new PIN")
        let response = try vpcd.exchange(confirmTransfer)
        if approve {
            #expect(response.first == 0x7C && response.suffix(2) == [0x90, 0x00], "signed DTBS")
        } else {
            #expect(response == [0x69, 0x85], "Cancel → 6985")
            #expect(try vpcd.exchange([0x00, 0x47, 0x80, 0x01, 0x03, 0x80, 0x01, 0x01, 0x00]) == [0x69, 0x85],
                    "Cancel refuses a new transfer key too → 6985")
        }
    }

    @Test("the external policy answers when the holder presses OK through every page")
    func externalConfirmation() throws {
        let server = try VPCDFakeServer()
        let card = try VPCDTestToken.card(confirmation: .external)
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: VPCDLinkTests.quick)
        link.start()
        defer { link.stop() }
        let vpcd = try server.accept()
        try personalize(vpcd, card)
        try vpcd.sendFrame(confirmTransfer)
        let presses = try pressOK(card, what: "the transfer")
        let response = try #require(try vpcd.readFrame())
        #expect(response.first == 0x7C && response.suffix(2) == [0x90, 0x00])
        #expect(presses > 1, "OK counts only after the last page")
    }

    @Test("a reset ends a waiting command without an answer; the card serves again")
    func resetWhileWaiting() throws {
        let server = try VPCDFakeServer()
        let card = try VPCDTestToken.card(confirmation: .external)
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: VPCDLinkTests.quick)
        link.start()
        defer { link.stop() }
        let vpcd = try server.accept()
        try personalize(vpcd, card)
        try vpcd.sendFrame(confirmTransfer)
        let deadline = Date().addingTimeInterval(60)   // a guard; the test needs the card waiting
        while !card.isWaiting && Date() < deadline { usleep(5_000) }
        try #require(card.isWaiting, "CONFIRM TRANSFER waits for the holder before vpcd goes away")
        vpcd.close()  // vpcd gone: the link powers the card off
        let again = try server.accept()
        #expect(!card.isWaiting, "power-off ended the confirmation")
        #expect(try again.exchange([0x00, 0xCA, 0x01, 0x00, 0x00]) == [0x6D, 0x00], "no applet selected after power-off")
    }
}
