import CardOS
import CCID
import ISO7816

/// TPDU level with a T=0 card (`--exchange tpdu-t0`, dwFeatures 0x0001003E, dwProtocols T=0):
/// a reader as most in the field are, with no automatic parameter negotiation (0x40) and no
/// automatic PPS (0x80), so the host sends the PPS (an XfrBlock `FF 10 TA1 PCK` right after the
/// ATR) and SetParameters itself. Each XfrBlock carries one T=0 TPDU (``T0CardProtocol``).
extension TokenDevice {
    /// The T=0 card's ATR: `3B 9B 13 40 0A 80 F9 A0 00 00 03 08 00 00 10 00`. Direct convention;
    /// TA1 13 (Fi 372, Di 4: the host may raise the rate with a PPS); TD1 40 announces TC2 and
    /// offers T=0 only, so there is no TCK (ISO/IEC 7816-3 §8.2.5); TC2 0A: WI 10. The historical
    /// bytes are the T=1 ATR's, so OpenSC types the card alike.
    public static var t0ATR: [UInt8] {
        [0x3B, 0x9B, 0x13, 0x40, 0x0A, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00]
    }

    /// The T=0 parameters of ``t0ATR`` before any PPS: Fi 372 / Di 1, direct convention, no
    /// extra guard time, WI 10, no clock stop.
    static var defaultT0Parameters: CCIDProtocolDataT0 {
        CCIDProtocolDataT0(bmFindexDindex: 0x11, bmTCCKST0: 0x00, bGuardTimeT0: 0, bWaitingIntegerT0: 0x0A, bClockStop: 0)
    }

    /// The ATR IccPowerOn answers.
    var cardATR: [UInt8] { exchange == .tpduT0 ? TokenDevice.t0ATR : TokenFirmware<P>.atr }

    /// The protocol data after IccPowerOn and ResetParameters.
    var defaultProtocolData: CCIDProtocolData {
        exchange == .tpduT0 ? .t0(TokenDevice.defaultT0Parameters) : .t1(TokenDevice.defaultT1Parameters)
    }

    /// One XfrBlock at TPDU level with the T=0 card: a PPS request (first byte FF) or a TPDU.
    func t0Block(_ header: CCIDHeader, abData: [UInt8]) {
        if abData.first == 0xFF {
            guard let echo = ppsAnswer(abData) else {
                // A card that cannot take the PPS stays mute (ISO/IEC 7816-3 §9.3).
                return reply(.failure(answering: header, error: .ICC_MUTE, iccStatus: iccStatus))
            }
            return reply(dataBlock(answering: header, echo))
        }
        switch t0.receive(abData) {
        case .reply(let bytes):
            reply(dataBlock(answering: header, bytes))
        case .command(let apdu):
            run(apdu, answering: header) { t0.cardResponded($0) }
        }
    }

    /// The card finished the command that waited for the holder: its T=0 answer.
    func t0CardAnswered(_ response: [UInt8]) {
        guard let command = open else { return }
        open = nil
        reply(dataBlock(answering: command.header, t0.cardResponded(response)))
    }

    /// A PPS request `FF PPS0 [PPS1] [PPS2] [PPS3] PCK` (ISO/IEC 7816-3 §9.2) for T=0 with an
    /// Fi/Di the token supports: echoed (accepted). Anything else: `nil`.
    private func ppsAnswer(_ pps: [UInt8]) -> [UInt8]? {
        guard pps.count >= 3, pps[1] & 0x0F == 0 else { return nil }
        let optional = [0x10, 0x20, 0x40].filter { pps[1] & UInt8($0) != 0 }.count
        guard pps.count == 3 + optional, pps.reduce(0, ^) == 0 else { return nil }
        if pps[1] & 0x10 != 0, !TokenDevice.supportsRate(pps[2]) { return nil }
        return pps
    }
}
