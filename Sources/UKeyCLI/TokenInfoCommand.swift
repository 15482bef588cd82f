import ArgumentParser
import UKey

/// `ukey token info`: serial, firmware, key, tries left, signature counter, display.
struct TokenInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the token's serial, key state, tries left and counter.")

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        let reader: String
        let info: TokenInfo
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                let result = Result(reader: found.reader, info: try await found.token.info())
                try Output.emit(result, json: options.json) { result in
                    let info = result.info
                    return """
                        reader            \(result.reader)
                        serial            \(info.serial)
                        firmware          \(info.firmwareVersion)
                        key               \(info.key.rawValue)
                        PIN tries left    \(info.pinTriesLeft)\(info.pinMustChange ? " (factory PIN: change it)" : "")
                        PUK tries left    \(info.pukTriesLeft)
                        signatures        \(info.signatureCounter)
                        display           \(info.displayLines)×\(info.displayColumns)
                        """
                }
            }
        }
    }
}
