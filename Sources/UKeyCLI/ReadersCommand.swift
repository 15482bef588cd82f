import ArgumentParser
import PCSC
import UKey

/// `ukey readers [--watch]`: every PC/SC reader, whether it holds a card and whether that card
/// is a UKey token; `--watch` then prints reader and card events until interrupted.
struct ReadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List the PC/SC readers and the UKey tokens in them.",
        discussion: """
            Examples:
              ukey readers
              ukey readers --watch --json
            """)

    @Flag(help: "Keep printing reader and card events (insert, remove) until interrupted.")
    var watch = false

    @OptionGroup var options: CommonOptions

    struct Event: Encodable {
        let event: String
        let reader: String
        let atr: String?
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let access = try ReaderAccess(options: options)
            let readers = try await access.finder.readers()
            try Output.emit(readers, json: options.json) { readers in
                guard !readers.isEmpty else { return "no readers" }
                return readers.map { reader in
                    let what = reader.isToken ? "UKey token \(reader.serial ?? "")" : reader.hasCard ? "card \(reader.atr ?? "")" : "empty"
                    return "\(reader.index): \(reader.name)  [\(what)]"
                }.joined(separator: "\n")
            }
            guard watch else { return }
            do {
                for try await event in access.context.readerEvents() {
                    let record: Event
                    switch event {
                    case .readerAdded(let reader): record = Event(event: "readerAdded", reader: reader, atr: nil)
                    case .readerRemoved(let reader): record = Event(event: "readerRemoved", reader: reader, atr: nil)
                    case .cardInserted(let reader, let atr): record = Event(event: "cardInserted", reader: reader, atr: atr.hexString)
                    case .cardRemoved(let reader): record = Event(event: "cardRemoved", reader: reader, atr: nil)
                    }
                    if options.json {
                        print(try Output.jsonLine(record))
                    } else {
                        print(event.description)
                    }
                }
            } catch {
                throw CLIError("pcscd", "watching readers: \(error)")
            }
        }
    }
}
