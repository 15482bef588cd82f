import Foundation
import PCSC
import PCSCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The PCSC module against the real stack: libpcsclite → a private pcscd → libifd-ukey.so →
/// USB/IP → `ukey emulator run` (``PCSCTestStack``, one per test process). Serialized: the
/// tests share one token, and some remove its card. Tests that remove it put it back, also on
/// failure.
@Suite("PCSC through pcscd, the UKey driver and the emulator", .serialized, .enabled(if: PCSCTestStack.available))
struct PCSCIntegrationTests {
    /// SELECT of the banking applet (AID F0554B455901), no Le.
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    /// GET DATA 0100: the token information (C0 serial, C1 version, …).
    static let getData: [UInt8] = [0x00, 0xCA, 0x01, 0x00, 0x00]

    static func statusWord(_ response: [UInt8]) -> UInt16 {
        guard response.count >= 2 else { return 0 }
        return UInt16(response[response.count - 2]) << 8 | UInt16(response[response.count - 1])
    }

    /// A new context and a T=1 connection to the token.
    func connect(_ stack: PCSCTestStack, share: PCSCShareMode = .shared) throws -> PCSCCard {
        try PCSCContext().connect(reader: stack.reader, share: share, protocols: [.t1])
    }

    @Test("readers() lists the emulator's token as pcscd names it")
    func readersListTheToken() async throws {
        let stack = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        let readers = try await context.readers()
        #expect(Set(readers) == Set(stack.readers), "exactly the readers of the private pcscd")
        #expect(stack.reader.hasPrefix(PCSCTestStack.friendlyName + " ") && stack.reader.hasSuffix(" 00"),
                "pcscd appends the reader index and the slot number: \(stack.reader)")
        #expect(context.isValid)
        context.release()
        #expect(!context.isValid)
        #expect(throws: PCSCError.invalidHandle, "a released context refuses calls") { try context.readers() }
    }

    @Test("libpcsclite reads PCSCLITE_CSOCK_NAME once per process: a later value is ignored")
    func socketPathIsReadOnce() async throws {
        let stack = try await PCSCTestStack.shared()
        let previous = getenv("PCSCLITE_CSOCK_NAME").map { String(cString: $0) }
        setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm", 1)
        defer { if let previous { setenv("PCSCLITE_CSOCK_NAME", previous, 1) } else { unsetenv("PCSCLITE_CSOCK_NAME") } }
        let context = try PCSCContext()
        #expect(Set(try await context.readers()) == Set(stack.readers), "the new context still reaches the private pcscd")
    }

    @Test("connect with T=1, SELECT the banking applet (FCI, 9000), GET DATA (token information)")
    func selectAndGetData() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        #expect(card.activeProtocol == .t1)
        #expect(card.isConnected)
        let fci = try await card.transmit(Self.select)
        #expect(Self.statusWord(fci) == 0x9000, "SELECT: \(fci)")
        #expect(fci.first == 0x6F, "the response is an FCI template")
        #expect(fci.count > 2 && fci.firstRange(of: [0x84, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]) != nil,
                "the FCI names the applet's AID")
        let info = try await card.transmit(Self.getData)
        #expect(Self.statusWord(info) == 0x9000)
        #expect(Array(info.prefix(2)) == [0xC0, 0x08], "token information starts with the 8-byte serial")
        try card.disconnect()
        #expect(!card.isConnected)
        #expect(throws: PCSCError.invalidHandle, "a disconnected card refuses calls") { try card.transmit(Self.getData) }
        try card.disconnect()  // idempotent
    }

    @Test("an extended-length command goes through (Lc in three bytes)")
    func extendedAPDU() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        let extended: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
        let response = try await card.transmit(extended)
        #expect(Self.statusWord(response) == 0x9000, "extended SELECT: \(response)")
        #expect(response.first == 0x6F)
    }

    @Test("async transmit and connect give the same answers as the blocking calls")
    func asyncVariants() async throws {
        let stack = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        let card = try await context.connect(reader: stack.reader, protocols: [.t1])
        let fci = try await card.transmit(Self.select)
        #expect(Self.statusWord(fci) == 0x9000)
        let blocking = { () throws(PCSCError) -> [UInt8] in try card.transmit(Self.select) }
        #expect(try blocking() == fci, "the blocking call (chosen outside async code) agrees")
        #expect(Set(try await context.readers()) == Set(stack.readers))
    }

    @Test("status(): reader name, a powered card, T=1 and the token's ATR; atr and SCARD_ATTR_ATR_STRING agree")
    func statusAndATR() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        let status = try card.status()
        #expect(status.readerNames == [stack.reader])
        #expect(status.state.contains(.present) && status.state.contains(.powered), "state \(status.state)")
        #expect(status.activeProtocol == .t1)
        #expect(status.atr == PCSCTestStack.atr, "3B8B800180F9A000000308000010 00C8")
        #expect(try card.atr == PCSCTestStack.atr)
        #expect(try card.attribute(.atrString) == PCSCTestStack.atr)
    }

    @Test("attributes: vendor name, serial number, version, channel id, max input, friendly name")
    func attributes() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        #expect(try card.stringAttribute(.vendorName) == "UKey", "the USB manufacturer string")
        _ = try await card.transmit(Self.select)
        let info = try await card.transmit(Self.getData)
        let serial = info.count >= 10 ? info[2..<10].map { String(format: "%02X", $0) }.joined() : "?"
        let usbSerial = try card.stringAttribute(.vendorIFDSerialNumber)
        #expect(usbSerial.uppercased() == serial, "the USB serial number is the token's serial (GET DATA C0)")
        #expect(try card.integerAttribute(.maxInput) == 0x2020 - 10, "dwMaxCCIDMessageLength minus the header")
        #expect(try card.integerAttribute(.channelID) >> 16 == 0x0020, "channel type USB")
        #expect(try card.attribute(.vendorIFDVersion).count == 4, "a DWORD")
        #expect(try card.stringAttribute(.deviceFriendlyName) == stack.reader, "pcsc-lite answers the name")
        #expect(throws: PCSCError.self, "an attribute the driver lacks") { try card.attribute(PCSCAttribute(class: 6, tag: 0x0150)) }
    }

    @Test("features() lists FEATURE_GET_TLV_PROPERTIES; tlvProperties() gives the 4 x 16 screen and 1209:0001")
    func featuresAndProperties() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try connect(stack)
        let features = try card.features()
        #expect(features[.getTLVProperties] == PCSCCard.controlCode(0x33_0000 + 0x12), "\(features)")
        let properties = try card.tlvProperties()
        #expect(properties.wLcdLayout == 0x0410)
        #expect(properties.wLcdMaxLines == 4 && properties.wLcdMaxCharacters == 16)
        #expect(properties.wIdVendor == 0x1209)
        #expect(properties.wIdProduct == 0x0001)
        #expect(properties.dwMaxAPDUDataSize == 65_536, "extended APDUs get through")
        #expect(properties.sFirmwareID?.hasPrefix("UKey Banking Token") == true, "\(properties.sFirmwareID ?? "nil")")
        #expect(throws: PCSCError.self, "a control code the driver does not know") {
            try card.control(code: PCSCCard.controlCode(0x33_0000 + 0x06))
        }
    }

    @Test("a direct connection reaches the reader without asking for a protocol: control and attributes work")
    func directConnection() async throws {
        let stack = try await PCSCTestStack.shared()
        let card = try await PCSCContext().connect(reader: stack.reader, share: .direct, protocols: [])
        #expect(try card.features()[.getTLVProperties] != nil)
        #expect(try card.stringAttribute(.vendorName) == "UKey")
        if card.activeProtocol.isEmpty {
            #expect(throws: PCSCError.invalidParameter, "no protocol, no PCI: pcsc-lite refuses") { try card.transmit(Self.select) }
        }
    }

    @Test("connect to a reader pcscd does not know fails with SCARD_E_UNKNOWN_READER")
    func unknownReader() async throws {
        _ = try await PCSCTestStack.shared()
        let context = try PCSCContext()
        #expect(throws: PCSCError.unknownReader) { try context.connect(reader: "No Such Reader 00 00") }
        #expect(throws: PCSCError.unknownReader) {
            try context.statusChange([PCSCReaderState(reader: "No Such Reader 00 00")], timeout: .zero)
        }
    }

    @Test("exclusive mode: a second connection is refused with SCARD_E_SHARING_VIOLATION until the first ends")
    func exclusive() async throws {
        let stack = try await PCSCTestStack.shared()
        let first = try connect(stack, share: .exclusive)
        #expect(throws: PCSCError.sharingViolation) { try connect(stack) }
        try first.disconnect()
        #expect(Self.statusWord(try await connect(stack).transmit(Self.select)) == 0x9000)
    }
}
