import ArgumentParser
import Foundation
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
              ukey readers --reader "UKey 1-4"   (only the readers that --reader picks)
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
            let readers = try await access.finder.readers(matching: options.reader)
            if watch && options.json {
                print(try Output.jsonLine(readers))  // JSON Lines: the readers, then one event per line
            } else {
                try Output.emit(readers, json: options.json) { readers in
                    guard !readers.isEmpty else { return "no readers" }
                    return readers.map { reader in
                        let what = reader.busy ? "busy (in use): card \(reader.atr ?? "")"
                            : reader.isToken ? "UKey token \(reader.serial ?? "")" : reader.hasCard ? "card \(reader.atr ?? "")" : "empty"
                        return "\(reader.index): \(reader.name)  [\(what)\(reader.pinPad == true ? ", PIN pad" : "")]"
                    }.joined(separator: "\n")
                }
            }
            guard watch else { return }
            fflush(nil)  // stdout is block-buffered on a pipe: a reader (jq, a test) sees each line at once
            do {
                let listed = Set(readers.map(\.name))
                for try await event in access.context.readerEvents() {
                    if let selector = options.reader, !listed.contains(event.reader),
                       !TokenFinder.selects(selector, name: event.reader, index: nil) { continue }
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
                    fflush(nil)
                }
            } catch {
                throw CLIError("pcscd", "watching readers: \(error)")
            }
        }
    }
}
