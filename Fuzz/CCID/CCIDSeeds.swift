import CCID
import USB
import USBIP

/// Real PC_to_RDR traffic (a reader session: power on, SELECT, GET DATA, parameters, abort,
/// power off) and RDR_to_PC replies, built with `CCIDCommand` and `CCIDReply`; the mode byte
/// in front picks the cutting and the exchange level.
var ccidSeeds: [String: [UInt8]] {
    let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]
    func command(_ seq: UInt8, _ message: PCtoRDR) -> [UInt8] { CCIDCommand(bSeq: seq, message).bytes }
    let session = command(0, .iccPowerOn(bPowerSelect: .automatic))
        + command(1, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: select))
        + command(2, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xCA, 0x01, 0x00, 0x00]))
        + command(3, .getSlotStatus) + command(4, .getParameters)
        + command(5, .iccPowerOff)
    let t1Session = command(0, .iccPowerOn(bPowerSelect: .automatic))
        + command(1, .setParameters(.t1(CCIDProtocolDataT1())))
        + command(2, .xfrBlock(bBWI: 0, wLevelParameter: 0, abData: [0x00, 0xC1, 0x01, 0xFE, 0x3E]))
        + command(3, .xfrBlock(bBWI: 0, wLevelParameter: 0,
                               abData: [0x00, 0x00, UInt8(select.count)] + select
                                   + [([0x00, 0x00, UInt8(select.count)] + select).reduce(0, ^)]))
    let atr: [UInt8] = [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]
    let replies = CCIDReply(bSeq: 0, bStatus: CCIDSlotStatus(.presentActive),
                            .dataBlock(bChainParameter: .beginsAndEnds, abData: atr)).bytes
        + CCIDReply(bSeq: 1, bStatus: CCIDSlotStatus(.presentActive, .timeExtension), bError: CCIDSlotError(1),
                    .dataBlock(bChainParameter: .beginsAndEnds, abData: [])).bytes
        + CCIDReply(bSeq: 1, bStatus: CCIDSlotStatus(.presentActive), .parameters(.t1(CCIDProtocolDataT1()))).bytes
        + CCIDReply(bSeq: 2, bStatus: CCIDSlotStatus(.absent, .failed), bError: .ICC_MUTE,
                    .slotStatus(bClockStatus: .running)).bytes
    return [
        "session_whole": [0x05] + session,
        "session_bytewise": [0x00] + session,
        "session_usb_packets": [0x03] + session,
        "t1_session": [0x83] + t1Session,
        "control_then_escape": [0x43] + USBSetupPacket(bmRequestType: 0xA1, bRequest: 0x02, wLength: 4).bytes
            + command(0, .escape(abData: [0x01, 0x02])) + command(1, .abort),
        "clock_and_mechanical": [0x02] + command(0, .iccClock(bClockCommand: .stop))
            + command(1, .mechanical(bFunction: .lockCard)) + command(2, .t0APDU(bmChanges: 3, bClassGetResponse: 0, bClassEnvelope: 0))
            + command(3, .setDataRateAndClockFrequency(dwClockFrequency: 4000, dwDataRate: 10752)),
        "replies": [0x04] + replies,
        "notify_slot_change": [0x05] + CCIDInterruptMessage.notifySlotChange(CCIDSlotChange(bmSlotICCState: [0x03])).bytes,
        "class_descriptor": [0x05] + CCIDClassDescriptor(
            bVoltageSupport: .volts5_0, dwProtocols: .t1, dwDefaultClock: 4000, dwMaximumClock: 4000,
            dwDataRate: 10752, dwMaxDataRate: 10752, dwMaxIFSD: 254, dwFeatures: .extendedAPDULevel,
            dwMaxCCIDMessageLength: 271).bytes,
    ]
}
