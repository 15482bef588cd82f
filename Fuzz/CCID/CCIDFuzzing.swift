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

/// What a `CCIDMessageReader` hands out, in order: messages and the errors of messages it
/// dropped. Reading stops after a `messageTooLong` (the reader then discards what it holds,
/// and how much that is depends on the cutting).
enum CCIDStreamEvent: Equatable {
    enum Direction { case pcToRDR, rdrToPC }

    case command(CCIDCommand)
    case reply(CCIDReply)
    case dropped(CCIDError)

    static func read(_ chunks: [ArraySlice<UInt8>], _ direction: Direction) -> [CCIDStreamEvent] {
        var reader = CCIDMessageReader(maxMessageLength: CCIDLimits.minMessageLength, capacity: 1 << 20)
        var events: [CCIDStreamEvent] = []
        for chunk in chunks {
            do {
                try reader.append(chunk)
            } catch {
                fuzzRequire(false, "a 1 MiB reader never fills up on a fuzz input")
            }
            while let event = next(&reader, direction) {
                events.append(event)
                if case .command(let command) = event { checkRoundTrip(command, command.bytes) }
                if case .dropped(.messageTooLong) = event { return events }
            }
            fuzzRequire(reader.bufferedByteCount < CCIDLimits.minMessageLength,
                        "the reader never holds a whole message it has not handed out")
        }
        return events
    }

    /// The reader's next message, or the error of a message it dropped; `nil` when it needs
    /// more bytes.
    private static func next(_ reader: inout CCIDMessageReader, _ direction: Direction) -> CCIDStreamEvent? {
        do {
            switch direction {
            case .pcToRDR: return try reader.nextCommand().map(CCIDStreamEvent.command)
            case .rdrToPC: return try reader.nextReply().map(CCIDStreamEvent.reply)
            }
        } catch {
            return .dropped(error)
        }
    }
}
