import CCID
import FuzzSupport

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
