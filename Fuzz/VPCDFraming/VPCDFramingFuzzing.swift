import FuzzSupport
import ISO7816
import UKeyEmulator

/// The input is a mode byte (how the stream is cut, ``fuzzChunks``), then the bytes vpcd sends.
///
/// Properties (vpcd.c's `length(2) ‖ payload` frames): `VPCDFrameDecoder` gives the same
/// messages, the same error and the same leftover whether the stream comes in one piece or cut
/// anywhere; it never holds a complete frame it has not handed out; every message, framed
/// again with `VPCDMessage.frame`, decodes to itself.
func fuzzVPCDFraming(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let mode = input.byte()
    let stream = input.rest()
    let whole = VPCDStreamRun([stream[...]])
    let cut = VPCDStreamRun(fuzzChunks(stream, seed: mode))
    fuzzRequire(whole == cut, "vpcd frames do not depend on how the stream is cut: \(stream.hexString)")
}

/// What vpcd sends a card, framed with `VPCDMessage.frame`: power on, GET ATR, APDUs (one
/// extended), reset and power off; the mode byte picks the cutting (stock vpcd writes the length
/// and the payload separately).
var vpcdSeeds: [String: [UInt8]] {
    let control: (VPCDControl) -> [UInt8] = { try! VPCDMessage.frame([$0.rawValue]) }
    let apdu: ([UInt8]) -> [UInt8] = { try! VPCDMessage.frame($0) }
    let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]
    let session = control(.powerOn) + control(.getATR) + apdu(select) + apdu([0x00, 0xCA, 0x01, 0x00, 0x00])
        + control(.reset) + apdu([0x00, 0xDA, 0x01, 0x10, 0x00, 0x01, 0x2C] + [UInt8](repeating: 0x30, count: 300))
        + control(.powerOff)
    return [
        "session_whole": [0x05] + session,
        "session_bytewise": [0x00] + session,
        "session_two_writes": [0x01] + session,
        "session_packets": [0x03] + session,
        "truncated_frame": [0x05] + control(.getATR) + [0x00, 0x0C, 0x00, 0xA4],
        "unknown_control": [0x05] + [0x00, 0x01, 0x03],
    ]
}
