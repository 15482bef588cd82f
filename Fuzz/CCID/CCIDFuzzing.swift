import CCID
import FuzzSupport
import ISO7816

/// The input is a mode byte, then bytes from the wire. The mode picks how the bytes are cut
/// into transfers (``fuzzChunks``), the token's exchange level and whether a control request
/// (the next 8 bytes as its setup packet) comes first.
///
/// Properties (CCID rev 1.1 §6): every PC_to_RDR and RDR_to_PC message, interrupt message and
/// class descriptor that parses re-encodes to bytes that parse back to an equal value, and of
/// the same length; `CCIDMessageReader` gives the same messages and errors whether the stream
/// comes in one piece or cut anywhere; the token answers whatever arrives on bulk OUT with
/// well-formed RDR_to_PC replies only (``fuzzTokenBulkOut``).
func fuzzCCID(_ bytes: [UInt8]) {
    var input = FuzzInput(bytes)
    let mode = input.byte()
    let setup = mode & 0x40 != 0 ? input.bytes(8) : []
    let wire = input.rest()

    if let command = try? CCIDCommand(parsing: wire) { checkRoundTrip(command, wire) }
    if let reply = try? CCIDReply(parsing: wire) { checkRoundTrip(reply, wire) }
    if let message = try? CCIDInterruptMessage(parsing: wire) {
        fuzzRequire(message.bytes == wire, "an interrupt message re-encodes to its bytes")
    }
    if let descriptor = try? CCIDClassDescriptor(parsing: wire) {
        fuzzRequire(descriptor.bytes == wire, "a class descriptor re-encodes to its bytes")
    }

    let chunks = fuzzChunks(wire, seed: mode)
    for direction in [CCIDStreamEvent.Direction.pcToRDR, .rdrToPC] {
        let whole = CCIDStreamEvent.read([wire[...]], direction)
        let cut = CCIDStreamEvent.read(chunks, direction)
        fuzzRequire(whole == cut, "\(direction) messages do not depend on how the stream is cut: \(wire.hexString)")
    }

    fuzzTokenBulkOut(chunks, exchangeTPDU: mode & 0x80 != 0, setup: setup)
}

func checkRoundTrip(_ command: CCIDCommand, _ wire: [UInt8]) {
    let encoded = command.bytes
    fuzzRequire(encoded.count == wire.count, "a PC_to_RDR message keeps its length")
    fuzzRequire((try? CCIDCommand(parsing: encoded)) == command, "a PC_to_RDR message round-trips: \(wire.hexString)")
    fuzzRequire(command.header.bytes == Array(encoded.prefix(CCIDHeader.count)), "header matches the encoding")
}

func checkRoundTrip(_ reply: CCIDReply, _ wire: [UInt8]) {
    let encoded = reply.bytes
    fuzzRequire(encoded.count == wire.count, "an RDR_to_PC message keeps its length")
    fuzzRequire((try? CCIDReply(parsing: encoded)) == reply, "an RDR_to_PC message round-trips: \(wire.hexString)")
    fuzzRequire(reply.header.bytes == Array(encoded.prefix(CCIDHeader.count)), "header matches the encoding")
}
