import ArgumentParser
import Foundation
import ISO7816
import UKey

/// `ukey apdu HEX…`: sends each command APDU in turn (in one PC/SC transaction) and prints the
/// response with its status word's meaning. Works with any card in any reader.
struct APDUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apdu",
        abstract: "Send APDUs to the card and explain the status words.",
        discussion: """
            Each argument is one command APDU in hex (spaces inside need quotes); -f FILE (- for \
            standard input) reads more, one per line, # starting a comment, for commands longer \
            than a command line takes. The exit status is 0 when every response is 9000 or 61xx, \
            3 otherwise.

            Examples:
              ukey apdu 00A4040006F0554B455901 00CA010000
              ukey apdu --reader 1 --json "00 84 00 00 08"
              ukey apdu -f commands.txt
            """)

    @Argument(help: "Command APDUs in hex.")
    var commands: [String] = []

    @Option(name: [.customShort("f"), .customLong("file")],
            help: "Read command APDUs from FILE (- for standard input): one per line in hex, # starts a comment.")
    var file: String?

    @OptionGroup var options: CommonOptions

    /// One exchange; `command` is the APDU in hex with its fields apart and secrets hidden, as
    /// `script --json` gives it, and `trace` the annotated form the text output shows.
    struct Exchange: Encodable {
        let command: String
        let response: String
        let sw: String
        let meaning: String
        let trace: String

        enum CodingKeys: String, CodingKey { case command, response, sw, meaning }
    }

    func validate() throws {
        guard !commands.isEmpty || file != nil else { throw ValidationError("give command APDUs in hex, or -f FILE") }
    }

    /// The APDUs of the arguments, then of `-f`; `where` names each one's place in errors.
    func apdus() throws -> [[UInt8]] {
        var texts = commands.enumerated().map { (text: $0.element, place: "argument \($0.offset + 1)") }
        let name = file.map { $0 == "-" ? "standard input" : $0 } ?? "the input"
        if let file {
            let content = String(decoding: try Files.read(file), as: UTF8.self)
            for (number, rawLine) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { texts.append((text, "\(name) line \(number + 1)")) }
            }
        }
        guard !texts.isEmpty else { throw CLIError("badAPDU", "\(name) holds no command APDU") }
        return try texts.map { entry throws(CLIError) in try Self.parse(entry.text, place: entry.place) }
    }

    /// One command APDU in hex (spaces, tabs and colons between bytes allowed), or an error that
    /// says why it is not one.
    static func parse(_ text: String, place: String) throws(CLIError) -> [UInt8] {
        let digits = text.filter { $0 != " " && $0 != "\t" && $0 != ":" }
        func refuse(_ why: String) -> CLIError { CLIError("badAPDU", "\(place): not a command APDU: \(why)") }
        if let bad = digits.firstIndex(where: { !$0.isHexDigit }) {
            throw refuse("\"\(digits[bad])\" is not a hex digit (position \(digits.distance(from: digits.startIndex, to: bad) + 1))")
        }
        guard digits.count % 2 == 0 else { throw refuse("an odd number of hex digits (\(digits.count))") }
        guard let bytes = [UInt8](hex: digits) else { throw refuse("not hex") }
        do {
            _ = try CommandAPDU(parsing: bytes)
        } catch {
            switch error {
            case .tooShort(let count): throw refuse("too short: \(count) byte(s), an APDU starts with the 4 bytes CLA INS P1 P2")
            case .lengthMismatch(let declared, let available):
                throw refuse("Lc says \(declared) data byte(s) but \(available) follow")
            case .truncatedExtendedLength: throw refuse("an extended length (00) without its two length bytes")
            case .extendedLcZero: throw refuse("an extended Lc of 0000")
            case .dataTooLong(let count): throw refuse("\(count) data bytes, more than 65535")
            case .neOutOfRange(let ne): throw refuse("Le asks for \(ne) bytes, outside 1…65536")
            }
        }
        return bytes
    }

    mutating func run() async throws {
        var allSucceeded = true
        try await Output.run(json: options.json) {
            let apdus = try apdus()
            let access = try ReaderAccess(options: options)
            let target = try await access.anyCard()
            defer { target.card.close() }
            let exchanges = try await target.channel.transaction { () async throws -> [Exchange] in
                var exchanges: [Exchange] = []
                for apdu in apdus {
                    let bytes = try await target.channel.transmit(apdu)
                    guard let response = try? ResponseAPDU(parsing: bytes) else {
                        throw CLIError("badResponse", "the card answered \(bytes.count) bytes without a status word")
                    }
                    if !response.statusWord.isSuccess { allSucceeded = false }
                    exchanges.append(Exchange(command: TranscriptExchange.display(command: apdu).text, response: response.data.hexString,
                                              sw: hexWord(response.statusWord.rawValue), meaning: response.statusWord.meaning,
                                              trace: APDUTrace.command(apdu)))
                }
                return exchanges
            }
            try Output.emit(exchanges, json: options.json) { exchanges in
                exchanges.map { exchange in
                    "\(exchange.trace)\n< \(exchange.response.isEmpty ? "" : exchange.response + " ")\(exchange.sw)  \(exchange.meaning)"
                }.joined(separator: "\n")
            }
        }
        if !allSucceeded { throw ExitCode(3) }
    }
}

