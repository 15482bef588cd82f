import ArgumentParser
import UKey

/// `ukey piv info`: serial, PIN and PUK state, each slot's certificate. Uses no try.
struct PIVInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the PIV serial, PIN/PUK tries and each slot's certificate.",
        discussion: "A slot's key shows once it holds a certificate: PIV cannot tell otherwise without using the key.")

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        let reader: String
        let piv: PIVInfo
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withPIV(options) { reader, piv in
                let result = Result(reader: reader, piv: try await piv.info())
                try Output.emit(result, json: options.json) { result in
                    var lines = [
                        "reader            \(result.reader)",
                        "serial            \(result.piv.serial)",
                        "PIN               \(Self.describe(result.piv.pin))",
                        "PUK               \(result.piv.puk.map(Self.describe) ?? "not reported")",
                    ]
                    for slot in result.piv.slots {
                        let certificate = slot.certificateSubject.map { "\(slot.key ?? "?")  \"\($0)\" issued by \"\(slot.certificateIssuer ?? "")\"" }
                        lines.append("slot \(slot.slot)           \(slot.name): \(certificate ?? "no certificate")")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    static func describe(_ status: PIVCredentialStatus) -> String {
        if status.verified { return "verified" }
        guard let tries = status.triesLeft else { return "not verified" }
        return tries == 0 ? "blocked" : "\(tries) \(tries == 1 ? "try" : "tries") left"
    }
}
