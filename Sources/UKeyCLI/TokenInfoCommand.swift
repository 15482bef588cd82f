import ArgumentParser
import UKey

/// `ukey token info`: serial, firmware, the three keys, tries left, both counters, display.
struct TokenInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the token's serial, keys, tries left and counters.")

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        let reader: String
        let info: TokenInfo
        /// Whether the reader offers a PIN pad (the token's keypad: part 10 FEATURE_VERIFY_PIN_DIRECT).
        let pinPad: Bool
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                let result = Result(reader: found.reader, info: try await found.token.info(), pinPad: await found.token.hasPINPad())
                try Output.emit(result, json: options.json) { result in
                    let info = result.info
                    return """
                        reader            \(result.reader)
                        serial            \(info.serial)
                        firmware          \(info.firmwareVersion)
                        transfer key      \(info.transferKey.rawValue)
                        auth key          \(info.authenticationKey.rawValue)
                        decrypt key       \(info.decryptionKey.rawValue)
                        PIN tries left    \(info.pinTriesLeft)\(info.pinMustChange ? " (factory PIN: change it)" : "")
                        PUK tries left    \(info.pukTriesLeft)
                        PIN entry         \(info.pinEntry.text)
                        PIN pad           \(result.pinPad ? "yes: the PIN can be typed on the token" : "no")
                        transfers signed  \(info.transferCounter)
                        auth signatures   \(info.authenticationCounter)
                        display           \(info.displayLines)×\(info.displayColumns)
                        """
                }
            }
        }
    }
}
