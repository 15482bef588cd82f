import ArgumentParser
import ISO7816

/// `ukey atr [HEX]`: every byte of an ATR explained (ISO/IEC 7816-3 §8); without HEX, the ATR
/// of the card in the reader.
struct ATRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atr",
        abstract: "Explain an ATR byte by byte (given as HEX, or read from the reader).",
        discussion: """
            Examples:
              ukey atr 3B8B800180F9A00000030800001000C8
              ukey atr --reader UKey
            """)

    @Argument(help: "The ATR in hex (spaces and colons allowed). Default: the card's.")
    var hex: [String] = []

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        struct Byte: Encodable {
            let offset: Int
            let byte: String
            let field: String
            let meaning: String
        }
        let atr: String
        let protocols: [String]
        let historicalBytes: String
        let bytes: [Byte]
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let bytes: [UInt8]
            if hex.isEmpty {
                bytes = try await ReaderAccess(options: options).atr()
            } else {
                guard let parsed = [UInt8](hex: hex.joined()) else { throw CLIError("badHex", "\"\(hex.joined(separator: " "))\" is not hex") }
                bytes = parsed
            }
            let atr: ATR
            do { atr = try ATR(parsing: bytes) } catch { throw CLIError("badATR", "not an ATR: \(error)") }
            let result = Result(atr: atr.bytes.hexString, protocols: atr.protocols.map { "T=\($0)" },
                                historicalBytes: atr.historicalBytes.hexString,
                                bytes: atr.explanation.map { .init(offset: $0.offset, byte: hexByte($0.byte), field: $0.name, meaning: $0.meaning) })
            try Output.emit(result, json: options.json) { result in
                var lines = ["ATR \(result.atr)  (\(result.protocols.joined(separator: ", ")))"]
                for byte in result.bytes {
                    lines.append("  \(String(byte.offset).leftPadded(2)) \(byte.byte)  \(byte.field.rightPadded(6)) \(byte.meaning)")
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func rightPadded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
