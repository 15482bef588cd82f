import CCID
import Testing
@testable import FuzzDriverReplies
@testable import UKeyDriver

/// The one place the host tolerates a header that disagrees with the bytes read, as libccid
/// does: RDR_to_PC_Parameters and RDR_to_PC_SlotStatus are taken by their fixed layout. Data
/// blocks stay strict.
@Suite struct DeviceQuirkTests {
    /// QEMU 7.2's usb-ccid (hw/usb/dev-smartcard-reader.c) answers PC_to_RDR_SetParameters
    /// with RDR_to_PC_Parameters whose dwLength is 0 while the 7 bytes of its protocol data
    /// union follow (CCID rev 1.1 §6.2.3: 82, dwLength, bSlot, bSeq, bStatus, bError,
    /// bProtocolNum, abProtocolDataStructure): 17 bytes on the wire.
    static let qemuParameters: [UInt8] = [0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        + [0x11, 0x00, 0x00, 0x0A, 0x00, 0xFE, 0x00]

    @Test func qemu72ParametersWithDwLengthZeroAreTakenByTheirFixedPart() throws {
        let transport = ReplayTransport(replies: [Self.qemuParameters, MisbehavingDeviceTests.dataBlock(seq: 1, [0x90, 0x00])])
        let host = CCIDHost(transport: transport, readTimeout: 50)
        let current = try host.setParameters(.t0(CCIDProtocolDataT0()))
        #expect(current == .t0(CCIDProtocolDataT0(bmFindexDindex: 0x11, bWaitingIntegerT0: 0x0A)))
        // The two extra bytes were dropped, not left to spoil the next reply.
        #expect(try host.transmitAPDU(MisbehavingDeviceTests.select) == [0x90, 0x00])
    }

    /// A SlotStatus whose dwLength disagrees with the bytes read (dwLength, then what follows the
    /// header: 2 bytes that do follow, 5 that do not, 0 with a byte after): its fixed 10 bytes
    /// are the reply.
    static let wrongSlotStatusLengths: [[UInt8]] = [[2, 0xAA, 0xBB], [5], [0, 0xCC]]

    @Test(arguments: DeviceQuirkTests.wrongSlotStatusLengths)
    func slotStatusWithAWrongDwLengthIsTakenByItsFixedPart(_ lengthAndExtra: [UInt8]) throws {
        let reply = CCIDHeader(bMessageType: 0x81, dwLength: UInt32(lengthAndExtra[0]), bSlot: 0, bSeq: 0).bytes
            + lengthAndExtra.dropFirst()
        let host = CCIDHost(transport: ReplayTransport(replies: [reply]), readTimeout: 50)
        #expect(try host.slotStatus() == .presentActive)
    }

    /// The same shape as QEMU's Parameters (dwLength 0, bytes after the header) on a DataBlock
    /// is still refused: data blocks keep their dwLength framing.
    @Test func dataBlockWithAWrongDwLengthIsStillRefused() {
        let reply = CCIDHeader(bMessageType: 0x80, dwLength: 0, bSlot: 0, bSeq: 0).bytes + [0x90, 0x00]
        let host = CCIDHost(transport: ReplayTransport(replies: [reply]), readTimeout: 50)
        do {
            _ = try host.transmitAPDU(MisbehavingDeviceTests.select)
            Issue.record("accepted a DataBlock whose dwLength disagrees with the bytes read")
        } catch {
            guard case .badCCIDReply(.trailingBytes) = error else {
                Issue.record("expected trailing bytes, got \(error)")
                return
            }
        }
    }
}
