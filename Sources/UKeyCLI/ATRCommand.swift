import ArgumentParser
import ISO7816
import UKey
import UKeyArguments
import UKeyTools

/// `ukey atr [HEX]`: every byte of an ATR explained (ISO/IEC 7816-3 §8), and what pcsc-tools'
/// smartcard_list.txt calls it when that list is installed; without HEX, the ATR of the card in
/// the reader and the well-known applets that card selects.
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

    @Option(name: .customLong("atr-list"), help: "pcsc-tools' list of known ATRs (default /usr/share/pcsc/smartcard_list.txt, when installed).", transform: AbsolutePath.file)
    var atrList: String = ATRList.debianPath

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        struct Byte: Encodable {
            let offset: Int
            let byte: String
            let field: String
            let meaning: String
        }
        struct Applet: Encodable {
            let name: String
            let aid: String
        }
        let atr: String
        let protocols: [String]
        let historicalBytes: String
        let bytes: [Byte]
        /// The descriptions of the entries of smartcard_list.txt that match (empty without the list).
        let knownAs: [String]
        /// The applets the card in the reader selected; absent for an ATR given as HEX.
        let applets: [Applet]?
    }

    /// Applets worth a SELECT: ours, and what a token like ours is often asked for.
    static let wellKnownApplets: [(name: String, aid: String)] = [
        ("UKey banking", "F0554B455901"),
        ("PIV", "A000000308"),
        ("OpenPGP", "D27600012401"),
        ("OATH (YKOATH)", "A0000005272101"),
        ("FIDO U2F", "A0000006472F0001"),
        ("EMV PSE (1PAY.SYS.DDF01)", "315041592E5359532E4444463031"),
        ("EMV PPSE (2PAY.SYS.DDF01)", "325041592E5359532E4444463031"),
    ]

    /// SELECT by AID of each well-known applet (first or only occurrence, FCI requested): those
    /// answering 9000 or 61xx are there.
    static func applets(on channel: any CardChannel) async -> [Result.Applet] {
        var found: [Result.Applet] = []
        for applet in wellKnownApplets {
            let aid = [UInt8](hex: applet.aid)!
            guard let response = try? await channel.transmit([0x00, 0xA4, 0x04, 0x00, UInt8(aid.count)] + aid + [0x00]),
                  response.count >= 2 else { continue }
            let sw1 = response[response.count - 2], sw2 = response[response.count - 1]
            if (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61 { found.append(.init(name: applet.name, aid: applet.aid)) }
        }
        return found
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            let bytes: [UInt8]
            var applets: [Result.Applet]? = nil
            if hex.isEmpty {
                let card = try await ReaderAccess(options: options).anyCard()
                defer { card.card.close() }
                bytes = try card.card.card.status().atr
                applets = await Self.applets(on: card.channel)
            } else {
                guard let parsed = [UInt8](hex: hex.joined()) else { throw CLIError("badHex", "\"\(hex.joined(separator: " "))\" is not hex") }
                bytes = parsed
            }
            let atr: ATR
            do { atr = try ATR(parsing: bytes) } catch { throw CLIError("badATR", "not an ATR: \(error)") }
            let result = Result(atr: atr.bytes.hexString, protocols: atr.protocols.map { "T=\($0)" },
                                historicalBytes: atr.historicalBytes.hexString,
                                bytes: atr.explanation.map { .init(offset: $0.offset, byte: hexByte($0.byte), field: $0.name, meaning: $0.meaning) },
                                knownAs: ATRList(path: atrList)?.names(for: atr.bytes) ?? [], applets: applets)
            try Output.emit(result, json: options.json) { result in
                var lines = ["ATR \(result.atr)  (\(result.protocols.joined(separator: ", ")))"]
                for byte in result.bytes {
                    lines.append("  \(String(byte.offset).leftPadded(2)) \(byte.byte)  \(byte.field.rightPadded(6)) \(byte.meaning)")
                }
                if !result.knownAs.isEmpty {
                    lines.append("known as (pcsc-tools' smartcard_list.txt):")
                    lines += result.knownAs.map { "  " + $0 }
                }
                if let applets = result.applets {
                    lines.append(applets.isEmpty ? "applets: none of the well-known ones selects" : "applets:")
                    lines += applets.map { "  \($0.name.rightPadded(26)) \($0.aid)" }
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
