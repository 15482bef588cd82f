import CIFDHandler
import Foundation
import ISO7816
import Testing
@testable import UKeyDriver

/// The IFDH functions called as pcscd calls them, on a `usbip:` reader.
@Suite(.serialized) struct IFDHEntryPointTests {
    static let lun: DWORD = 0x0005_0000

    func withReader(_ model: any EmulatedUSBDevice, _ body: (MiniUSBIPServer) throws -> Void) throws {
        let server = try MiniUSBIPServer(model: model)
        defer { server.stop() }
        let rv = server.deviceName.withCString { UKeyDriver.IFDHCreateChannelByName(Self.lun, UnsafeMutablePointer(mutating: $0)) }
        #expect(rv == RESPONSECODE(IFD_SUCCESS))
        defer { #expect(UKeyDriver.IFDHCloseChannel(Self.lun) == RESPONSECODE(IFD_SUCCESS)) }
        try body(server)
    }

    func capability(_ tag: Int32, size: Int = 64) -> (RESPONSECODE, [UInt8]) {
        var length = DWORD(size)
        var buffer = [UInt8](repeating: 0, count: size)
        let rv = UKeyDriver.IFDHGetCapabilities(Self.lun, DWORD(tag), &length, &buffer)
        return (rv, Array(buffer.prefix(Int(length))))
    }

    @Test func powerTransmitAndCapabilities() throws {
        try withReader(FakeCCIDDevice()) { _ in
            #expect(UKeyDriver.IFDHICCPresence(Self.lun) == RESPONSECODE(IFD_ICC_PRESENT))
            var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
            var atrLength = DWORD(atr.count)
            #expect(UKeyDriver.IFDHPowerICC(Self.lun, DWORD(IFD_POWER_UP), &atr, &atrLength) == RESPONSECODE(IFD_SUCCESS))
            #expect(Array(atr.prefix(Int(atrLength))) == FakeCCIDDevice.atr)
            #expect(UKeyDriver.IFDHSetProtocolParameters(Self.lun, DWORD(SCARD_PROTOCOL_T1), 0, 0, 0, 0) == RESPONSECODE(IFD_SUCCESS))

            var command: [UInt8] = [0x00, 0xB0, 0x00, 0x00, 0x04]
            var response = [UInt8](repeating: 0, count: 258)
            var responseLength = DWORD(response.count)
            var recv = SCARD_IO_HEADER(Protocol: 0, Length: 0)
            let rv = UKeyDriver.IFDHTransmitToICC(Self.lun, SCARD_IO_HEADER(Protocol: 1, Length: 8), &command, DWORD(command.count),
                                       &response, &responseLength, &recv)
            #expect(rv == RESPONSECODE(IFD_SUCCESS))
            #expect(Array(response.prefix(Int(responseLength))) == command.reversed() + [0x90, 0x00])

            // Too small a buffer.
            var small = [UInt8](repeating: 0, count: 2)
            var smallLength = DWORD(2)
            #expect(UKeyDriver.IFDHTransmitToICC(Self.lun, SCARD_IO_HEADER(Protocol: 1, Length: 8), &command, DWORD(command.count),
                                      &small, &smallLength, &recv) == RESPONSECODE(IFD_ERROR_INSUFFICIENT_BUFFER))

            #expect(capability(TAG_IFD_ATR).1 == FakeCCIDDevice.atr)
            #expect(capability(Int32(SCARD_CLASS_ICC_STATE) << 16 | 0x0303).1 == FakeCCIDDevice.atr)
            #expect(capability(TAG_IFD_SLOTS_NUMBER).1 == [1])
            #expect(capability(TAG_IFD_THREAD_SAFE).1 == [1])
            #expect(capability(TAG_IFD_SLOT_THREAD_SAFE).1 == [0])
            #expect(capability(TAG_IFD_SIMULTANEOUS_ACCESS).1 == [64])
            #expect(capability(Int32(SCARD_CLASS_VENDOR_INFO) << 16 | 0x0100).1 == Array("UKey Test".utf8) + [0])
            #expect(capability(Int32(SCARD_CLASS_VENDOR_INFO) << 16 | 0x0103).1 == Array("0123456789ABCDEF".utf8))
            #expect(capability(Int32(SCARD_CLASS_VENDOR_INFO) << 16 | 0x0102).1 == [0, 0, 0, 1])
            #expect(capability(Int32(SCARD_CLASS_VENDOR_DEFINED) << 16 | 0xA007).1 == le32(65_544))
            #expect(capability(Int32(SCARD_CLASS_COMMUNICATIONS) << 16 | 0x0110).1 == [0, 0, 0x20, 0])
            #expect(capability(Int32(SCARD_CLASS_ICC_STATE) << 16 | 0x0300).1 == [2])
            #expect(capability(Int32(SCARD_CLASS_ICC_STATE) << 16 | 0x0301).1 == [1])
            #expect(capability(TAG_IFD_POLLING_THREAD_WITH_TIMEOUT).1.count == MemoryLayout<UnsafeRawPointer>.size)
            #expect(capability(TAG_IFD_STOP_POLLING_THREAD).1.count == MemoryLayout<UnsafeRawPointer>.size)
            #expect(capability(0x7777).0 == RESPONSECODE(IFD_ERROR_TAG))
            #expect(capability(TAG_IFD_ATR, size: 4).0 == RESPONSECODE(IFD_ERROR_INSUFFICIENT_BUFFER))

            #expect(UKeyDriver.IFDHPowerICC(Self.lun, DWORD(IFD_POWER_DOWN), nil, nil) == RESPONSECODE(IFD_SUCCESS))
            #expect(capability(Int32(SCARD_CLASS_ICC_STATE) << 16 | 0x0301).1 == [0])
        }
    }

    @Test func pollingFunctionPointerWaitsForSlotChanges() throws {
        let fake = FakeCCIDDevice()
        try withReader(fake) { _ in
            let raw = capability(TAG_IFD_POLLING_THREAD_WITH_TIMEOUT).1
            let pointer = raw.withUnsafeBytes { $0.load(as: UnsafeRawPointer.self) }
            let poll = unsafeBitCast(pointer, to: PollingFunctions.Poll.self)
            fake.setPresent(false)
            #expect(poll(Self.lun, 2_000) == RESPONSECODE(IFD_SUCCESS))
            #expect(UKeyDriver.IFDHICCPresence(Self.lun) == RESPONSECODE(IFD_ICC_NOT_PRESENT))
            let stopRaw = capability(TAG_IFD_STOP_POLLING_THREAD).1
            let stop = unsafeBitCast(stopRaw.withUnsafeBytes { $0.load(as: UnsafeRawPointer.self) }, to: PollingFunctions.Stop.self)
            #expect(stop(Self.lun) == RESPONSECODE(IFD_SUCCESS))
        }
    }

    @Test func part10FeaturesAndTLVProperties() throws {
        try withReader(FakeCCIDDevice()) { _ in
            var out = [UInt8](repeating: 0, count: 64)
            var returned: DWORD = 0
            #expect(UKeyDriver.IFDHControl(Self.lun, DWORD(Part10Features.getFeatureRequest), nil, 0, &out, 64, &returned) == RESPONSECODE(IFD_SUCCESS))
            #expect(Array(out.prefix(Int(returned))) == [0x0A, 4, 0x42, 0x33, 0x00, 0x0A, 0x12, 4, 0x42, 0x33, 0x00, 0x12],
                    "no PIN pad (bPINSupport 0): FEATURE_IFD_PIN_PROPERTIES and FEATURE_GET_TLV_PROPERTIES only")
            out = [UInt8](repeating: 0, count: 128)
            #expect(UKeyDriver.IFDHControl(Self.lun, 0x4233_0012, nil, 0, &out, 128, &returned) == RESPONSECODE(IFD_SUCCESS))
            let tlv = Array(out.prefix(Int(returned)))
            let properties = Self.parseTLV(tlv)
            #expect(properties[1] == [0x10, 0x04], "wLcdLayout 4 lines × 16")
            #expect(properties[10] == le32(65_536), "dwMaxAPDUDataSize")
            #expect(properties[11] == [0x09, 0x12], "wIdVendor")
            #expect(properties[12] == [0x01, 0x00], "wIdProduct")
            #expect(properties[8] != nil, "sFirmwareID")
            #expect(UKeyDriver.IFDHControl(Self.lun, 0x4200_0001, nil, 0, &out, 128, &returned) == RESPONSECODE(IFD_NOT_SUPPORTED))
            #expect(UKeyDriver.IFDHControl(Self.lun, 0x4233_0012, nil, 0, &out, 4, &returned) == RESPONSECODE(IFD_ERROR_INSUFFICIENT_BUFFER))
        }
    }

    @Test func unknownLunIsNoSuchDevice() {
        #expect(UKeyDriver.IFDHICCPresence(0x0063_0000) == RESPONSECODE(IFD_NO_SUCH_DEVICE))
        #expect(UKeyDriver.IFDHCloseChannel(0x0063_0000) == RESPONSECODE(IFD_NO_SUCH_DEVICE))
        let rv = "usbip:unix:/nonexistent.sock/1-1".withCString { UKeyDriver.IFDHCreateChannelByName(0x0063_0000, UnsafeMutablePointer(mutating: $0)) }
        #expect(rv == RESPONSECODE(IFD_NO_SUCH_DEVICE))
        let bad = "serial:/dev/ttyS0".withCString { UKeyDriver.IFDHCreateChannelByName(0x0063_0000, UnsafeMutablePointer(mutating: $0)) }
        #expect(bad == RESPONSECODE(IFD_NO_SUCH_DEVICE))
    }

    @Test func traceRedactsPINs() {
        let verify: [UInt8] = [0x00, 0x20, 0x00, 0x81, 0x06] + Array("123456".utf8)
        let line = APDUTrace.command(verify)
        #expect(!line.contains("313233343536"))
        #expect(line.contains("••••"))
        let change: [UInt8] = [0x00, 0x24, 0x00, 0x81, 0x0E, 6] + Array("123456".utf8) + [6] + Array("654321".utf8)
        #expect(!APDUTrace.command(change).contains("313233"))
        #expect(APDUTrace.command([0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]).contains("SELECT"))
        #expect(APDUTrace.response([0x69, 0x82]).contains("6982"))
    }

    static func parseTLV(_ bytes: [UInt8]) -> [UInt8: [UInt8]] {
        var out: [UInt8: [UInt8]] = [:]
        var at = 0
        while at + 2 <= bytes.count {
            let length = Int(bytes[at + 1])
            guard at + 2 + length <= bytes.count else { break }
            out[bytes[at]] = Array(bytes[at + 2..<at + 2 + length])
            at += 2 + length
        }
        return out
    }
}
