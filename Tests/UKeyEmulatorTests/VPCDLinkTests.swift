import PCSCTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import UKeyEmulator

/// The link against a scripted vpcd (``VPCDFakeServer``): the protocol, reconnection, malformed
/// input, late replies and stopping.
@Suite(.serialized) struct VPCDLinkTests {
    /// Fast retries keep the reconnect tests short.
    static let quick = VPCDReconnectPolicy(initialDelay: 20, maximumDelay: 100)

    @Test("control frames reach the card, GET ATR answers the ATR, APDUs answer data + SW")
    func protocolExchange() throws {
        let server = try VPCDFakeServer()
        let card = VPCDRecordingCard()
        let trace = VPCDTraceLog()
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: Self.quick, trace: trace.handler)
        link.start()
        defer { link.stop() }
        let vpcd = try server.accept()
        try vpcd.sendFrame([VPCDControl.powerOn.rawValue])
        #expect(try vpcd.exchange([VPCDControl.getATR.rawValue]) == card.atr)
        #expect(try vpcd.exchange([0x00, 0xCA, 0x01, 0x00, 0x00]) == [0xCA, 0x90, 0x00])
        try vpcd.sendFrame([VPCDControl.reset.rawValue])
        try vpcd.sendFrame([VPCDControl.powerOff.rawValue])
        #expect(try vpcd.exchange([VPCDControl.getATR.rawValue]) == card.atr)
        #expect(card.calls == [.powerOn, .transmit([0x00, 0xCA, 0x01, 0x00, 0x00]), .reset, .powerOff])
        #expect(link.isConnected && link.connectionCount == 1)
        #expect(trace.text.contains("> 00 CA 01 00 00  GET DATA"), "\(trace.text)")
    }

    /// What a broken or hostile vpcd might send; `serverCloses`: the server hangs up after it.
    static let malformed: [(name: String, bytes: [UInt8], serverCloses: Bool)] = [
        ("length 0", [0x00, 0x00], false),
        ("unknown control code", [0x00, 0x01, 0x03], false),
        ("length 0 after a good frame", [0x00, 0x01, 0x01, 0x00, 0x00], false),
        ("short read then EOF", [0x00, 0x05, 0x00, 0xA4], true),
        ("maximum length, 100 bytes, then EOF", [0xFF, 0xFF] + [UInt8](repeating: 0x41, count: 100), true),
        ("half a length field then EOF", [0x00], true),
    ]

    @Test("a malformed frame drops the connection; the link reconnects and serves again",
          arguments: malformed.indices)
    func malformedFrames(index: Int) throws {
        let (name, bytes, serverCloses) = Self.malformed[index]
        let server = try VPCDFakeServer()
        let card = VPCDRecordingCard()
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: Self.quick)
        link.start()
        defer { link.stop() }
        let first = try server.accept()
        first.send(bytes)
        if serverCloses {
            first.close()
        } else {
            #expect(first.waitForClose(), "the link closes the connection after: \(name)")
        }
        let second = try server.accept()
        #expect(try second.exchange([VPCDControl.getATR.rawValue]) == card.atr, "served again after: \(name)")
        #expect(link.connectionCount == 2)
        #expect(card.calls.contains(.powerOff), "a lost connection powers the card off")
    }

    @Test("the link keeps trying until vpcd listens")
    func retriesUntilVPCDIsThere() throws {
        guard let probe = PCSCDHarness.bindProbe(port: 0) else { throw PCSCDHarnessError("no free port") }
        close(probe.descriptor)
        let trace = VPCDTraceLog()
        let link = VPCDLink(endpoint: VPCDEndpoint(host: "127.0.0.1", port: probe.port), card: VPCDRecordingCard(),
                            reconnect: Self.quick, trace: trace.handler)
        link.start()
        defer { link.stop() }
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!link.isConnected)
        #expect(trace.events.contains { if case .connectFailed = $0 { true } else { false } })
        let server = try VPCDFakeServer(port: probe.port)
        _ = try server.accept(timeout: 3)
        #expect(link.waitUntilConnected(timeout: 3))
    }

    @Test("a reply that arrives later, from another thread, goes back to vpcd")
    func lateReply() throws {
        let server = try VPCDFakeServer()
        let card = VPCDRecordingCard(holdReplies: true)
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: Self.quick)
        link.start()
        defer { link.stop() }
        let vpcd = try server.accept()
        try vpcd.sendFrame([0x80, 0xC0, 0x00, 0x00, 0x01, 0x70])
        #expect(card.waitFor { $0.count == 1 })
        let releaser = Thread { card.releaseHeldReply([0x7C, 0x00, 0x90, 0x00]) }
        Thread.sleep(forTimeInterval: 0.2)
        releaser.start()
        #expect(try vpcd.readFrame() == [0x7C, 0x00, 0x90, 0x00])
        #expect(try vpcd.exchange([VPCDControl.getATR.rawValue]) == card.atr, "the link reads again after the reply")
    }

    @Test("vpcd going away while the card waits for the holder powers the card off and reconnects")
    func peerLeavesDuringWait() throws {
        let server = try VPCDFakeServer()
        let card = VPCDRecordingCard(holdReplies: true)
        let link = VPCDLink(endpoint: server.endpoint, card: card, reconnect: Self.quick)
        link.start()
        defer { link.stop() }
        let vpcd = try server.accept()
        try vpcd.sendFrame([0x80, 0xC0, 0x00, 0x00, 0x01, 0x70])
        #expect(card.waitFor { $0.count == 1 })
        vpcd.close()
        #expect(card.waitFor { $0.last == .powerOff })
        let again = try server.accept()
        card.releaseHeldReply([0x90, 0x00])  // stale: must not reach the new connection
        #expect(try again.exchange([VPCDControl.getATR.rawValue]) == card.atr)
    }

    @Test("stop ends the link promptly whatever it is doing", arguments: ["retrying", "idle", "waiting"])
    func stopsPromptly(phase: String) throws {
        let server = try VPCDFakeServer()
        var endpoint = server.endpoint
        if phase == "retrying", let probe = PCSCDHarness.bindProbe(port: 0) {
            close(probe.descriptor)
            endpoint.port = probe.port
        }
        let card = VPCDRecordingCard(holdReplies: true)
        let trace = VPCDTraceLog()
        let link = VPCDLink(endpoint: endpoint, card: card, reconnect: VPCDReconnectPolicy(), trace: trace.handler)
        link.start()
        var vpcd: VPCDFakeServer.Connection? = nil
        if phase != "retrying" {
            vpcd = try server.accept()
            #expect(link.waitUntilConnected(timeout: 3))
        }
        if phase == "waiting" {
            try vpcd?.sendFrame([0x80, 0xC0, 0x00, 0x00, 0x01, 0x70])
            #expect(card.waitFor { $0.count == 1 })
        } else {
            Thread.sleep(forTimeInterval: 0.3)
        }
        let started = Date()
        link.stop()
        #expect(Date().timeIntervalSince(started) < 10, "stop returned (a hang guard: it waits for nothing, so it returns at once on an idle machine)")
        #expect(!link.isRunning && !link.isConnected)
        #expect(trace.events.last == .stopped)
        if let vpcd { #expect(vpcd.waitForClose(), "the connection is closed") }
    }
}
