import CPCSCLite
import PCSC
import Testing

/// The small value types: flags, protocols, attribute ids and their decoding, reader states.
@Suite struct ValueTypeTests {
    @Test("protocols, share modes, dispositions and state flags have pcsclite.h's values")
    func cValues() {
        #expect(PCSCProtocol.t0.rawValue == UInt(SCARD_PROTOCOL_T0))
        #expect(PCSCProtocol.t1.rawValue == UInt(SCARD_PROTOCOL_T1))
        #expect(PCSCProtocol.raw.rawValue == UInt(SCARD_PROTOCOL_RAW))
        #expect(PCSCProtocol.any.rawValue == UInt(SCARD_PROTOCOL_ANY))
        #expect(PCSCShareMode.exclusive.rawValue == UInt(SCARD_SHARE_EXCLUSIVE))
        #expect(PCSCShareMode.shared.rawValue == UInt(SCARD_SHARE_SHARED))
        #expect(PCSCShareMode.direct.rawValue == UInt(SCARD_SHARE_DIRECT))
        #expect(PCSCDisposition.leave.rawValue == UInt(SCARD_LEAVE_CARD))
        #expect(PCSCDisposition.reset.rawValue == UInt(SCARD_RESET_CARD))
        #expect(PCSCDisposition.unpower.rawValue == UInt(SCARD_UNPOWER_CARD))
        #expect(PCSCDisposition.eject.rawValue == UInt(SCARD_EJECT_CARD))
        #expect(PCSCScope.user.rawValue == UInt(SCARD_SCOPE_USER) && PCSCScope.system.rawValue == UInt(SCARD_SCOPE_SYSTEM))
        #expect(PCSCReaderStateFlags.present.rawValue == UInt(SCARD_STATE_PRESENT))
        #expect(PCSCReaderStateFlags.empty.rawValue == UInt(SCARD_STATE_EMPTY))
        #expect(PCSCReaderStateFlags.changed.rawValue == UInt(SCARD_STATE_CHANGED))
        #expect(PCSCReaderStateFlags.unpowered.rawValue == UInt(SCARD_STATE_UNPOWERED))
        #expect(PCSCCardState.powered.rawValue == UInt(SCARD_POWERED))
        #expect(PCSCCardState.specific.rawValue == UInt(SCARD_SPECIFIC))
    }

    @Test("attribute ids are SCARD_ATTR_VALUE(class, tag) as in reader.h")
    func attributeIDs() {
        #expect(PCSCAttribute.vendorName.rawValue == 0x0001_0100)
        #expect(PCSCAttribute.vendorIFDVersion.rawValue == 0x0001_0102)
        #expect(PCSCAttribute.vendorIFDSerialNumber.rawValue == 0x0001_0103)
        #expect(PCSCAttribute.channelID.rawValue == 0x0002_0110)
        #expect(PCSCAttribute.atrString.rawValue == 0x0009_0303)
        #expect(PCSCAttribute.maxInput.rawValue == 0x0007_A007)
        #expect(PCSCAttribute.deviceFriendlyName.rawValue == 0x7FFF_0003)
        #expect(PCSCAttribute.atrString.description == "SCARD_ATTR_ATR_STRING")
        #expect(PCSCAttribute(rawValue: 0x1234).description == "0x1234")
    }

    @Test("attribute decoding: strings stop at NUL, DWORDs are little-endian 1 to 4 bytes")
    func attributeDecoding() {
        #expect(PCSCAttribute.string(Array("UKey".utf8) + [0]) == "UKey")
        #expect(PCSCAttribute.string(Array("UKey".utf8)) == "UKey")
        #expect(PCSCAttribute.integer([0x16, 0x20, 0x00, 0x00]) == 0x2016)
        #expect(PCSCAttribute.integer([0x02]) == 2)
        #expect(PCSCAttribute.integer([]) == nil)
        #expect(PCSCAttribute.integer([1, 2, 3, 4, 5]) == nil)
    }

    @Test("protocol descriptions")
    func protocolDescription() {
        #expect(PCSCProtocol.t1.description == "T=1")
        #expect(PCSCProtocol.any.description == "T=0|T=1")
        #expect(PCSCProtocol().description == "undefined")
    }

    @Test("a reader state's next state is the reported one without `changed`, with the event counter")
    func nextState() {
        var state = PCSCReaderState(reader: "R")
        #expect(state.currentState == .unaware && state.currentEventCount == 0)
        state.eventState = [.changed, .present, .inUse]
        state.eventCount = 7
        let next = state.next
        #expect(next.reader == "R")
        #expect(next.currentState == [.present, .inUse])
        #expect(next.currentEventCount == 7)
        #expect(next.eventState.isEmpty && next.atr.isEmpty)
        #expect(state.hasChanged && state.isCardPresent)
        #expect(PCSCReaderState.plugAndPlayReader == #"\\?PnP?\Notification"#)
    }

    @Test("state flags keep the low 16 bits only")
    func flagsMask() {
        #expect(PCSCReaderStateFlags(rawValue: 0x0003_0022) == [.changed, .present])
        #expect(PCSCReaderStateFlags([.present, .exclusive]).description == "present|exclusive")
        #expect(PCSCReaderStateFlags.unaware.description == "unaware")
    }

    @Test("reader events describe themselves with the reader and ATR")
    func eventDescription() {
        #expect(PCSCReaderEvent.cardInserted(reader: "R", atr: [0x3B, 0x02]).description == "card inserted: R, ATR 3B02")
        #expect(PCSCReaderEvent.cardRemoved(reader: "R").reader == "R")
    }
}
