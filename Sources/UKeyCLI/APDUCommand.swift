import ArgumentParser
import ISO7816
import UKey

/// `ukey apdu HEX…`: sends each command APDU in turn (in one PC/SC transaction) and prints the
/// response with its status word's meaning. Works with any card in any reader.
struct APDUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apdu",
        abstract: "Send APDUs to the card and explain the status words.",
        discussion: """
            Each argument is one command APDU in hex (spaces inside need quotes). The exit status \
            is 0 when every response is 9000 or 61xx, 3 otherwise.

            Examples:
              ukey apdu 00A4040006F0554B455901 00CA010000
              ukey apdu --reader 1 --json "00 84 00 00 08"
            """)

    @Argument(help: "Command APDUs in hex.")
    var commands: [String]

    @OptionGroup var options: CommonOptions

    struct Exchange: Encodable {
        let command: String
        let response: String
        let sw: String
        let meaning: String
    }

    mutating func run() async throws {
        var allSucceeded = true
        try await Output.run(json: options.json) {
            let apdus = try commands.map { text -> [UInt8] in
                guard let bytes = [UInt8](hex: text), (try? CommandAPDU(parsing: bytes)) != nil else {
                    throw CLIError("badAPDU", "\"\(text)\" is not a command APDU in hex")
                }
                return bytes
            }
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
                    exchanges.append(Exchange(command: APDUTrace.command(apdu), response: response.data.hexString,
                                              sw: hexWord(response.statusWord.rawValue), meaning: response.statusWord.meaning))
                }
                return exchanges
            }
            try Output.emit(exchanges, json: options.json) { exchanges in
                exchanges.map { exchange in
                    "\(exchange.command)\n< \(exchange.response.isEmpty ? "" : exchange.response + " ")\(exchange.sw)  \(exchange.meaning)"
                }.joined(separator: "\n")
            }
        }
        if !allSucceeded { throw ExitCode(3) }
    }
}

